package com.levqor.config;

import java.util.List;
import java.util.Map;

/**
 * The whole configuration of one Levqor process, parsed once from the environment at start-up.
 * Immutable; every part is validated before any port opens, and all problems are reported together.
 *
 * @param http     the HTTP server: port, threads, body cap
 * @param database which Postgres to use and the pool size
 * @param flags    the runbook's five feature flags
 * @param ops      admin key, logs, error reporting
 * @param queue    jobs and their queue: Redis, workers, retries, budgets
 * @param edge     edge guards: rate limits, trusted proxies, CORS, abuse guards, webhook secrets
 * @param redis    the one Redis (queue, shared buckets, failure counters), when REDIS_URL or REDIS_SENTINELS is set
 * @param billing  Stripe: keys, the Pro price, API base, public URL
 * @param email    the email outbox and Resend
 * @param connectors the circuit breakers in front of Stripe and Resend
 * @param backups  backups and restore drills: folder, retention, schedules, pg_dump/psql
 * @param status   the public status page and its health sampler
 * @param entries  every variable read, as {@code levqor flags} shows it (secrets masked)
 */
public record Settings(
        HttpSettings http,
        DatabaseSettings database,
        Flags flags,
        OpsSettings ops,
        QueueSettings queue,
        EdgeSettings edge,
        RedisSettings redis,
        BillingSettings billing,
        EmailSettings email,
        ConnectorSettings connectors,
        BackupSettings backups,
        StatusSettings status,
        List<Env.Entry> entries) {

    /** Parses the given environment; throws with every problem found when anything is invalid. */
    public static Settings parse(Map<String, String> environment) throws InvalidSettingsException {
        Env env = new Env(environment);
        HttpSettings http = HttpSettings.parse(env);
        DatabaseSettings database = DatabaseSettings.parse(env);
        Flags flags = Flags.parse(env);
        OpsSettings ops = OpsSettings.parse(env);
        QueueSettings queue = QueueSettings.parse(env);
        EdgeSettings edge = EdgeSettings.parse(env);
        RedisSettings redis = RedisSettings.parse(env);
        BillingSettings billing = BillingSettings.parse(env);
        EmailSettings email = EmailSettings.parse(env);
        ConnectorSettings connectors = ConnectorSettings.parse(env);
        BackupSettings backups = BackupSettings.parse(env, environment.get("PATH"));
        StatusSettings status = StatusSettings.parse(env);
        if (!env.problems().isEmpty()) {
            throw new InvalidSettingsException(env.problems());
        }
        return new Settings(http, database, flags, ops, queue, edge, redis, billing, email, connectors, backups, status,
                env.entries());
    }

    /**
     * The edge's limits as {@code GET /ops/flags} and {@code levqor flags} show them (no secrets),
     * with where the rate-limit buckets are meant to live ({@code redis} with REDIS_URL or REDIS_SENTINELS, else {@code local}).
     */
    public java.util.Map<String, Object> edgeLimitsByName() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        edge.limitsByName().forEach((k, v) -> {
            m.put(k, v);
            if (k.equals("RATELIMIT_IP_PER_MINUTE")) {
                m.put("RATELIMIT_STORE", redis.configured() ? "redis" : "local");
            }
        });
        return m;
    }

    /** The settings of this process's real environment. */
    public static Settings fromSystemEnvironment() throws InvalidSettingsException {
        return parse(System.getenv());
    }
}
