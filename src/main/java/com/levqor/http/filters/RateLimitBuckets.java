package com.levqor.http.filters;

import com.levqor.ops.EdgeMetrics;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Token buckets of bucket4j, one per key (a client IP or an API key) with a per-minute limit. With
 * {@code REDIS_URL} they live in Redis, so every instance shares one limit; while Redis does not
 * answer, each instance keeps local buckets (the limit still holds per instance: nothing fails
 * open) and Redis is tried again after {@link #REDIS_RETRY_INTERVAL}.
 */
public final class RateLimitBuckets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RateLimitBuckets.class);
    /** How long local buckets stand in after Redis failed, before Redis is tried again. */
    public static final Duration REDIS_RETRY_INTERVAL = Duration.ofSeconds(1);
    /** Longest wait for Redis in a request: a hung Redis must not hang the API. */
    public static final int REDIS_TIMEOUT_MILLIS = 500;
    /** Redis connections at most (the default HTTP_MAX_THREADS). */
    public static final int REDIS_POOL_SIZE = 64;
    /** Local buckets kept at most; past it they are dropped (each starts full again). */
    private static final int MAX_LOCAL_BUCKETS = 100_000;
    private static final String KEY_PREFIX = "levqor:ratelimit:";

    /** One request's outcome against its bucket; times in whole seconds, rounded up. */
    public record Outcome(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    private final RedisClient redis;
    private final ProxyManager<byte[]> proxy;
    private final EdgeMetrics metrics;
    private final Map<String, Bucket> local = new ConcurrentHashMap<>();
    private volatile long redisRetryAtNanos;
    private volatile boolean redisDown;

    public RateLimitBuckets(Optional<URI> redisUrl, EdgeMetrics metrics) {
        this.metrics = metrics;
        if (redisUrl.isPresent()) {
            URI uri = redisUrl.get();
            DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(REDIS_TIMEOUT_MILLIS)
                    .socketTimeoutMillis(REDIS_TIMEOUT_MILLIS)
                    .clientName("levqor-ratelimit")
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
            // As many connections as HTTP threads could want at once: waiting for one must not look like an outage.
            pool.setMaxTotal(REDIS_POOL_SIZE);
            pool.setMaxWait(Duration.ofMillis(REDIS_TIMEOUT_MILLIS));
            this.redis = RedisClient.builder()
                    .hostAndPort(JedisURIHelper.getHostAndPort(uri))
                    .clientConfig(cfg.build())
                    .poolConfig(pool)
                    .build();
            this.proxy = Bucket4jJedis.casBasedBuilder(redis)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofSeconds(10)))
                    .build();
            metrics.setRateLimitRedisUp(true);
        } else {
            this.redis = null;
            this.proxy = null;
            metrics.setRateLimitRedisUp(false);
        }
    }

    /** {@code redis} when buckets are shared, {@code local} otherwise (no Redis, or Redis down). */
    public String store() {
        return proxy == null || redisDown ? "local" : "redis";
    }

    /** Takes one token from the bucket of {@code key} whose capacity is {@code perMinute}. */
    public Outcome take(String key, int perMinute) {
        String fullKey = KEY_PREFIX + key + ":" + perMinute;
        ConsumptionProbe probe = null;
        if (proxy != null && (!redisDown || System.nanoTime() - redisRetryAtNanos >= 0)) {
            probe = remote(fullKey, perMinute);
        }
        if (probe == null) {
            probe = localBucket(fullKey, perMinute).tryConsumeAndReturnRemaining(1);
        }
        return new Outcome(probe.isConsumed(), perMinute, probe.getRemainingTokens(),
                ceilSeconds(probe.getNanosToWaitForReset()),
                Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())));
    }

    private ConsumptionProbe remote(String key, int perMinute) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        RuntimeException failure = null;
        // Two tries: after a Redis restart the first command on a stale pooled connection fails once.
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                ConsumptionProbe p = proxy.builder().build(k, () -> configuration(perMinute))
                        .tryConsumeAndReturnRemaining(1);
                if (redisDown) {
                    redisDown = false;
                    metrics.setRateLimitRedisUp(true);
                    log.info("Redis answers again: rate-limit buckets are shared again");
                }
                return p;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (!redisDown) {
            log.warn("Redis does not answer ({}): rate-limit buckets are local to this instance until it does",
                    failure.getClass().getSimpleName() + ": " + failure.getMessage());
            metrics.setRateLimitRedisUp(false);
        }
        redisDown = true;
        redisRetryAtNanos = System.nanoTime() + REDIS_RETRY_INTERVAL.toNanos();
        return null;
    }

    private Bucket localBucket(String key, int perMinute) {
        if (local.size() > MAX_LOCAL_BUCKETS) {
            local.clear();
        }
        return local.computeIfAbsent(key, k -> Bucket.builder()
                .addLimit(l -> l.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build());
    }

    private static BucketConfiguration configuration(int perMinute) {
        return BucketConfiguration.builder()
                .addLimit(l -> l.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build();
    }

    private static long ceilSeconds(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
