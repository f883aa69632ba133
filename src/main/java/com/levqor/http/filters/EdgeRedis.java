package com.levqor.http.filters;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The edge guards' connection to Redis ({@code REDIS_URL}): rate-limit buckets and failed-auth
 * counters shared by every instance. Short timeouts, because a request waits on it: a Redis that
 * does not answer within {@link #TIMEOUT_MILLIS} is treated as down and the guards fall back to
 * in-process state.
 */
public final class EdgeRedis implements AutoCloseable {
    /** Longest wait for Redis in a request: a hung Redis must not hang the API. */
    public static final int TIMEOUT_MILLIS = 500;
    /** Redis connections at most (the default HTTP_MAX_THREADS): waiting for one must not look like an outage. */
    public static final int POOL_SIZE = 64;

    private final RedisClient client;

    private EdgeRedis(RedisClient client) {
        this.client = client;
    }

    /** A client for the URL, or empty without one. Connects lazily: a down Redis does not stop start-up. */
    public static Optional<EdgeRedis> connect(Optional<URI> url) {
        if (url.isEmpty()) {
            return Optional.empty();
        }
        URI uri = url.get();
        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS)
                .socketTimeoutMillis(TIMEOUT_MILLIS)
                .clientName("levqor-edge")
                .ssl(JedisURIHelper.isRedisSSLScheme(uri));
        String user = JedisURIHelper.getUser(uri);
        String password = JedisURIHelper.getPassword(uri);
        if (user != null) {
            cfg.user(user);
        }
        if (password != null) {
            cfg.password(password);
        }
        if (JedisURIHelper.hasDbIndex(uri)) {
            cfg.database(JedisURIHelper.getDBIndex(uri));
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(POOL_SIZE);
        pool.setMaxWait(Duration.ofMillis(TIMEOUT_MILLIS));
        return Optional.of(new EdgeRedis(RedisClient.builder()
                .hostAndPort(JedisURIHelper.getHostAndPort(uri))
                .clientConfig(cfg.build())
                .poolConfig(pool)
                .build()));
    }

    public RedisClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
    }
}
