package com.levqor.config;

import java.net.URI;
import java.util.Optional;

/**
 * The one Redis of the process: the async queue, the shared rate-limit buckets and the failed-auth
 * counters all use one pool built from this.
 *
 * @param url           {@code REDIS_URL}: {@code redis://[user:password@]host:port[/db]} or {@code rediss://…};
 *                      unset, no Redis (queue in sync mode, rate limits and failure counts per instance)
 * @param poolSize      {@code REDIS_POOL_SIZE}: connections at most (default {@value #DEFAULT_POOL_SIZE}: one per
 *                      default HTTP thread plus the queue's own)
 * @param timeoutMillis {@code REDIS_TIMEOUT_MS}: longest wait for a connection, a connect or an answer (default
 *                      {@value #DEFAULT_TIMEOUT_MS}); a Redis slower than that is treated as down and everything
 *                      falls back (sync queue, local buckets) until it answers again
 * @param checkMillis   {@code REDIS_CHECK_INTERVAL_MS}: how often Redis is pinged while up or down, to switch
 *                      back and forth (default {@value #DEFAULT_CHECK_MS})
 */
public record RedisSettings(Optional<URI> url, int poolSize, int timeoutMillis, long checkMillis) {
    public static final int DEFAULT_POOL_SIZE = 80;
    public static final int DEFAULT_TIMEOUT_MS = 500;
    public static final long DEFAULT_CHECK_MS = 250;

    static RedisSettings parse(Env env) {
        return new RedisSettings(
                env.redisUrl("REDIS_URL"),
                env.integer("REDIS_POOL_SIZE", DEFAULT_POOL_SIZE, 4, 10_000),
                env.integer("REDIS_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 10, 60_000),
                env.longValue("REDIS_CHECK_INTERVAL_MS", DEFAULT_CHECK_MS, 20, 60_000));
    }
}
