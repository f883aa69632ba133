package com.levqor.redis;

import com.levqor.config.RedisSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The process's one connection pool to Redis, built from {@code REDIS_URL} parsed once, and its one
 * {@link RedisHealth}. The queue, the rate-limit buckets and the failed-auth counters all borrow from
 * this pool and all read that health: while it says down, none of them waits on Redis (each uses its
 * fallback: sync mode, local buckets, local counters). Connects lazily: a Redis that is down at start
 * does not stop the process.
 */
public final class RedisConnections implements AutoCloseable {
    /**
     * Socket timeout of a blocking command (a worker's wait on the wake-up list): its own wait, up to
     * {@link #MAX_BLOCKING_WAIT_MILLIS}, plus the answer's.
     */
    public static final int BLOCKING_SOCKET_TIMEOUT_MILLIS = 3_000;
    /** Longest wait a blocking command may ask Redis for (it must end before its socket timeout). */
    public static final long MAX_BLOCKING_WAIT_MILLIS = 2_000;

    private final RedisClient client;
    private final RedisHealth health;
    private final String description;

    private RedisConnections(RedisClient client, RedisHealth health, String description) {
        this.client = client;
        this.health = health;
        this.description = description;
    }

    /** The pool for {@code REDIS_URL}, or empty when it is unset. */
    public static Optional<RedisConnections> open(RedisSettings settings) {
        if (settings.url().isEmpty()) {
            return Optional.empty();
        }
        URI uri = settings.url().get();
        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.timeoutMillis())
                .socketTimeoutMillis(settings.timeoutMillis())
                .blockingSocketTimeoutMillis(BLOCKING_SOCKET_TIMEOUT_MILLIS)
                .clientName("levqor")
                .ssl(JedisURIHelper.isRedisSSLScheme(uri));
        String user = JedisURIHelper.getUser(uri);
        String password = JedisURIHelper.getPassword(uri);
        if (user != null) {
            cfg.user(user);
        }
        if (password != null) {
            cfg.password(password);
        }
        int db = JedisURIHelper.hasDbIndex(uri) ? JedisURIHelper.getDBIndex(uri) : 0;
        cfg.database(db);
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(1);
        pool.setTestOnBorrow(false);
        pool.setMaxWait(Duration.ofMillis(settings.timeoutMillis()));
        HostAndPort hostAndPort = JedisURIHelper.getHostAndPort(uri);
        RedisClient client = RedisClient.builder()
                .hostAndPort(hostAndPort)
                .clientConfig(cfg.build())
                .poolConfig(pool)
                .build();
        return Optional.of(new RedisConnections(client, new RedisHealth(client::ping, settings.checkMillis()),
                hostAndPort + "/" + db));
    }

    /** The pooled client (borrow and return per command; never keep a connection). */
    public RedisClient client() {
        return client;
    }

    /** Whether Redis answers, as every user of the pool sees it. */
    public RedisHealth health() {
        return health;
    }

    /** {@code host:port/db}, without credentials, for log lines. */
    public String description() {
        return description;
    }

    @Override
    public void close() {
        health.close();
        client.close();
    }
}
