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
 * @param backups  backups and restore drills: folder, retention, schedules, pg_dump/psql
 * @param entries  every variable read, as {@code levqor flags} shows it (secrets masked)
 */
public record Settings(
        HttpSettings http,
        DatabaseSettings database,
        Flags flags,
        OpsSettings ops,
        QueueSettings queue,
        EdgeSettings edge,
        BackupSettings backups,
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
        BackupSettings backups = BackupSettings.parse(env, environment.get("PATH"));
        if (!env.problems().isEmpty()) {
            throw new InvalidSettingsException(env.problems());
        }
        return new Settings(http, database, flags, ops, queue, edge, backups, env.entries());
    }

    /** The settings of this process's real environment. */
    public static Settings fromSystemEnvironment() throws InvalidSettingsException {
        return parse(System.getenv());
    }
}
