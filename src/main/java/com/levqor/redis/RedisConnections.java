package com.levqor.redis;

import com.levqor.config.RedisSettings;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The process's one connection pool to Redis, built once from {@code REDIS_URL} or from
 * {@code REDIS_SENTINELS}, and its one {@link RedisHealth}. The queue, the rate-limit buckets and the
 * failed-auth counters all borrow from this pool and all read that health: while it says down, none of
 * them waits on Redis (each uses its fallback: sync mode, local buckets, local counters).
 *
 * <p>With {@code REDIS_URL} it connects lazily: a Redis that is down at start does not stop the process.
 * With sentinels, Jedis' {@link SentineledConnectionProvider} asks them for the master at start (at
 * least one sentinel must answer then) and listens to their {@code +switch-master} announcements: when
 * they promote a replica, the pool is rebuilt on the new master, so commands fail only between the
 * master's death and the promotion, the window the health's fallback covers.
 */
public final class RedisConnections implements AutoCloseable {
    /**
     * Socket timeout of a blocking command (a worker's wait on the wake-up list): its own wait, up to
     * {@link #MAX_BLOCKING_WAIT_MILLIS}, plus the answer's.
     */
    public static final int BLOCKING_SOCKET_TIMEOUT_MILLIS = 3_000;
    /** Longest wait a blocking command may ask Redis for (it must end before its socket timeout). */
    public static final long MAX_BLOCKING_WAIT_MILLIS = 2_000;

    private final UnifiedJedis client;
    private final Supplier<Connection> connections;
    private final RedisHealth health;
    private final Supplier<String> description;

    private RedisConnections(UnifiedJedis client, Supplier<Connection> connections, RedisHealth health,
                             Supplier<String> description) {
        this.client = client;
        this.connections = connections;
        this.health = health;
        this.description = description;
    }

    /**
     * The pool for {@code REDIS_URL} or the sentinels, or empty when neither is set.
     *
     * @throws IllegalStateException with sentinels, when none of them answers (or none knows the master)
     */
    public static Optional<RedisConnections> open(RedisSettings settings) {
        if (settings.sentinel().isPresent()) {
            return Optional.of(sentineled(settings, settings.sentinel().get()));
        }
        if (settings.url().isEmpty()) {
            return Optional.empty();
        }
        URI uri = settings.url().get();
        DefaultJedisClientConfig.Builder cfg = commandConfig(settings)
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
        HostAndPort hostAndPort = JedisURIHelper.getHostAndPort(uri);
        RedisClient client = RedisClient.builder()
                .hostAndPort(hostAndPort)
                .clientConfig(cfg.build())
                .poolConfig(pool(settings))
                .build();
        String description = hostAndPort + "/" + db;
        return Optional.of(new RedisConnections(client, client.getPool()::getResource,
                new RedisHealth(client::ping, settings.checkMillis()), () -> description));
    }

    private static RedisConnections sentineled(RedisSettings settings, RedisSettings.Sentinel sentinel) {
        DefaultJedisClientConfig.Builder master = commandConfig(settings).database(sentinel.database());
        sentinel.masterPassword().ifPresent(master::password);
        // The sentinels answer only short commands (which master, and the announcements); they get the same
        // connect and answer timeouts, so a dead sentinel costs a start-up or a re-subscription one timeout.
        DefaultJedisClientConfig.Builder sentinels = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.timeoutMillis())
                .socketTimeoutMillis(settings.timeoutMillis())
                .clientName("levqor-sentinel")
                .serverDefaultProtocol(); // as Jedis' own sentinel builder: its Jedis sentinel clients cannot negotiate RESP3
        sentinel.sentinelPassword().ifPresent(sentinels::password);
        Set<HostAndPort> addresses = new LinkedHashSet<>();
        sentinel.sentinels().forEach(a -> addresses.add(new HostAndPort(a.host(), a.port())));
        DefaultJedisClientConfig masterConfig = master.build();
        SentineledConnectionProvider provider;
        try {
            provider = new SentineledConnectionProvider(sentinel.masterName(), masterConfig, pool(settings), addresses,
                    sentinels.build());
        } catch (JedisException e) {
            throw new IllegalStateException("Redis Sentinel: no sentinel of " + sentinel.describe()
                    + " told where the master is (" + e.getMessage() + "); check REDIS_SENTINELS, REDIS_SENTINEL_MASTER"
                    + " and REDIS_SENTINEL_PASSWORD", e);
        }
        RedisSentinelClient client = RedisSentinelClient.builder()
                .masterName(sentinel.masterName())
                .sentinels(addresses)
                .clientConfig(masterConfig)
                .connectionProvider(provider)
                .build();
        return new RedisConnections(client, provider::getConnection,
                new RedisHealth(client::ping, settings.checkMillis()),
                () -> sentinel.describe() + " (master now " + provider.getCurrentMaster() + ")");
    }

    private static DefaultJedisClientConfig.Builder commandConfig(RedisSettings settings) {
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.timeoutMillis())
                .socketTimeoutMillis(settings.timeoutMillis())
                .blockingSocketTimeoutMillis(BLOCKING_SOCKET_TIMEOUT_MILLIS)
                .clientName("levqor");
    }

    private static GenericObjectPoolConfig<Connection> pool(RedisSettings settings) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(1);
        pool.setTestOnBorrow(false);
        pool.setMaxWait(Duration.ofMillis(settings.timeoutMillis()));
        return pool;
    }

    /**
     * The pooled client (borrow and return per command; never keep a connection): a {@link RedisClient} for
     * {@code REDIS_URL}, a {@link RedisSentinelClient} that follows the promoted master with sentinels.
     */
    public UnifiedJedis client() {
        return client;
    }

    /**
     * One connection of the pool (to the current master), for an exchange the client has no command for
     * (a blocking wait pipelined with a script); close it to give it back.
     */
    public Connection connection() {
        return connections.get();
    }

    /** Whether Redis answers, as every user of the pool sees it. */
    public RedisHealth health() {
        return health;
    }

    /** {@code host:port/db}, or the sentinels and the current master, without credentials, for log lines. */
    public String description() {
        return description.get();
    }

    @Override
    public void close() {
        health.close();
        client.close();
    }
}
