package com.levqor.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one Redis of the process: the async queue, the shared rate-limit buckets and the failed-auth
 * counters all use one pool built from this. Redis is found either at one address ({@code REDIS_URL})
 * or through Redis Sentinel ({@code REDIS_SENTINELS}), never both.
 *
 * @param url           {@code REDIS_URL}: {@code redis://[user:password@]host:port[/db]} or {@code rediss://…};
 *                      unset (and no sentinels), no Redis (queue in sync mode, rate limits and failure counts per
 *                      instance)
 * @param sentinel      {@code REDIS_SENTINELS} and its companions: the master is asked of the sentinels and followed
 *                      when they promote a replica
 * @param poolSize      {@code REDIS_POOL_SIZE}: connections at most (default {@value #DEFAULT_POOL_SIZE}: one per
 *                      default HTTP thread plus the queue's own)
 * @param timeoutMillis {@code REDIS_TIMEOUT_MS}: longest wait for a connection, a connect or an answer (default
 *                      {@value #DEFAULT_TIMEOUT_MS}); a Redis slower than that is treated as down and everything
 *                      falls back (sync queue, local buckets) until it answers again
 * @param checkMillis   {@code REDIS_CHECK_INTERVAL_MS}: how often Redis is pinged while up or down, to switch
 *                      back and forth (default {@value #DEFAULT_CHECK_MS})
 */
public record RedisSettings(Optional<URI> url, Optional<Sentinel> sentinel, int poolSize, int timeoutMillis,
                            long checkMillis) {
    public static final int DEFAULT_POOL_SIZE = 80;
    public static final int DEFAULT_TIMEOUT_MS = 500;
    public static final long DEFAULT_CHECK_MS = 250;
    /** What a {@code REDIS_SENTINELS} value must look like, as its problem message says. */
    static final String SENTINELS_EXPECTED =
            "a comma-separated list of host:port (port 1 to 65535), e.g. 10.0.0.5:26379,10.0.0.6:26379,[::1]:26379";

    /** A Redis at one address ({@code REDIS_URL}), or none. */
    public RedisSettings(Optional<URI> url, int poolSize, int timeoutMillis, long checkMillis) {
        this(url, Optional.empty(), poolSize, timeoutMillis, checkMillis);
    }

    /** One sentinel's address. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Redis found through Sentinel.
     *
     * @param sentinels        {@code REDIS_SENTINELS}: the sentinels asked for the master, in order
     * @param masterName       {@code REDIS_SENTINEL_MASTER}: the name the sentinels monitor the master under
     * @param sentinelPassword {@code REDIS_SENTINEL_PASSWORD}: the sentinels' {@code requirepass}, when they have one
     * @param masterPassword   {@code REDIS_PASSWORD}: the master's (and its replicas') {@code requirepass}, when set
     * @param database         {@code REDIS_DB}: the logical database on the master (default 0)
     */
    public record Sentinel(List<Address> sentinels, String masterName, Optional<String> sentinelPassword,
                           Optional<String> masterPassword, int database) {
        public Sentinel {
            sentinels = List.copyOf(sentinels);
        }

        /** {@code sentinel <master> via host:port,…}, without passwords, for log lines. */
        public String describe() {
            return "sentinel master '" + masterName + "' via " + String.join(",",
                    sentinels.stream().map(Address::toString).toList()) + "/" + database;
        }
    }

    /** Whether this process has a Redis at all (at one address or through sentinels). */
    public boolean configured() {
        return url.isPresent() || sentinel.isPresent();
    }

    static RedisSettings parse(Env env) {
        Optional<URI> url = env.redisUrl("REDIS_URL");
        Optional<Sentinel> sentinel = sentinel(env, env.isSet("REDIS_URL"));
        return new RedisSettings(
                url,
                sentinel,
                env.integer("REDIS_POOL_SIZE", DEFAULT_POOL_SIZE, 4, 10_000),
                env.integer("REDIS_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 10, 60_000),
                env.longValue("REDIS_CHECK_INTERVAL_MS", DEFAULT_CHECK_MS, 20, 60_000));
    }

    private static Optional<Sentinel> sentinel(Env env, boolean urlSet) {
        Optional<String> list = env.optional("REDIS_SENTINELS");
        Optional<String> master = env.optional("REDIS_SENTINEL_MASTER");
        Optional<String> sentinelPassword = env.secret("REDIS_SENTINEL_PASSWORD");
        Optional<String> masterPassword = env.secret("REDIS_PASSWORD");
        boolean dbSet = env.isSet("REDIS_DB");
        int database = env.integer("REDIS_DB", 0, 0, 15);
        if (list.isEmpty()) {
            // The companions mean nothing without sentinels: a typo in the name would otherwise go unnoticed.
            master.ifPresent(m -> env.problem("REDIS_SENTINEL_MASTER", m, "only with REDIS_SENTINELS"));
            sentinelPassword.ifPresent(p -> env.problem("REDIS_SENTINEL_PASSWORD", "****", "only with REDIS_SENTINELS"));
            masterPassword.ifPresent(p -> env.problem("REDIS_PASSWORD", "****",
                    "only with REDIS_SENTINELS (with REDIS_URL the password goes in the URL: redis://:password@host:port)"));
            if (dbSet && database != 0) { // 0, the default, says nothing new (as the example env file shows it)
                env.problem("REDIS_DB", env.optional("REDIS_DB").orElse(null),
                        "only with REDIS_SENTINELS (with REDIS_URL the database goes in the URL: redis://host:port/db)");
            }
            return Optional.empty();
        }
        if (urlSet) {
            env.problem("REDIS_SENTINELS", list.get(),
                    "unset when REDIS_URL is set (one Redis: either REDIS_URL or REDIS_SENTINELS with REDIS_SENTINEL_MASTER)");
        }
        if (master.isEmpty()) {
            env.problem("REDIS_SENTINEL_MASTER", null, "the master name the sentinels monitor, set with REDIS_SENTINELS");
        }
        Optional<List<Address>> addresses = addresses(list.get());
        if (addresses.isEmpty()) {
            env.problem("REDIS_SENTINELS", list.get(), SENTINELS_EXPECTED);
        }
        if (urlSet || master.isEmpty() || addresses.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Sentinel(addresses.get(), master.get(), sentinelPassword, masterPassword, database));
    }

    /** Parses {@code host:port,host:port,…} ({@code [v6]:port} for IPv6); empty when any entry is malformed. */
    static Optional<List<Address>> addresses(String value) {
        List<Address> out = new ArrayList<>();
        for (String raw : value.split(",", -1)) {
            String entry = raw.trim();
            String host;
            String port;
            if (entry.startsWith("[")) {
                int close = entry.indexOf(']');
                if (close < 0 || close + 1 >= entry.length() || entry.charAt(close + 1) != ':') {
                    return Optional.empty();
                }
                host = entry.substring(1, close);
                port = entry.substring(close + 2);
            } else {
                int colon = entry.lastIndexOf(':');
                if (colon <= 0 || entry.indexOf(':') != colon) {
                    return Optional.empty();
                }
                host = entry.substring(0, colon);
                port = entry.substring(colon + 1);
            }
            if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+") || !port.matches("[0-9]{1,5}")) {
                return Optional.empty();
            }
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65_535) {
                return Optional.empty();
            }
            out.add(new Address(host, p));
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(out);
    }
}
