package com.levqor.http.filters;

import com.levqor.ops.EdgeMetrics;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import com.levqor.redis.RedisConnections;
import com.levqor.redis.RedisHealth;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets of bucket4j, one per key (a client IP or an API key) with a per-minute limit. With
 * {@code REDIS_URL} they live in Redis, so every instance shares one limit; while Redis does not
 * answer ({@link RedisHealth}), each instance keeps local buckets (the limit still holds per
 * instance: nothing fails open) until Redis answers again.
 */
public final class RateLimitBuckets {
    private static final Logger log = LoggerFactory.getLogger(RateLimitBuckets.class);
    /** Local buckets kept at most; past it they are dropped (each starts full again). */
    private static final int MAX_LOCAL_BUCKETS = 100_000;
    private static final String KEY_PREFIX = "levqor:ratelimit:";

    /** One request's outcome against its bucket; times in whole seconds, rounded up. */
    public record Outcome(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    private final ProxyManager<byte[]> proxy;
    private final EdgeMetrics metrics;
    private final Map<String, Bucket> local = new ConcurrentHashMap<>();
    private final RedisHealth health;

    /** @param redis the shared Redis, or empty to keep every bucket in this process */
    public RateLimitBuckets(Optional<RedisConnections> redis, EdgeMetrics metrics) {
        this.metrics = metrics;
        if (redis.isPresent()) {
            this.proxy = Bucket4jJedis.casBasedBuilder(redis.get().client())
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofSeconds(10)))
                    .build();
            this.health = redis.get().health();
            health.addListener(up -> {
                metrics.setRateLimitRedisUp(up);
                log.info(up ? "Rate-limit buckets are shared in Redis again"
                        : "Rate-limit buckets are local to this instance while Redis does not answer");
            });
            metrics.setRateLimitRedisUp(health.up());
        } else {
            this.proxy = null;
            this.health = null;
            metrics.setRateLimitRedisUp(false);
        }
    }

    /** {@code redis} when buckets are shared, {@code local} otherwise (no Redis, or Redis down). */
    public String store() {
        return proxy == null || !health.up() ? "local" : "redis";
    }

    /** Whether every bucket lives in this process (no Redis configured): a take never leaves it. */
    public boolean local() {
        return proxy == null;
    }

    /** Takes one token from the bucket of {@code key} whose capacity is {@code perMinute}. */
    public Outcome take(String key, int perMinute) {
        String fullKey = KEY_PREFIX + key + ":" + perMinute;
        ConsumptionProbe probe = null;
        if (proxy != null && health.up()) {
            probe = remote(fullKey, perMinute);
        }
        if (probe == null) {
            probe = localBucket(fullKey, perMinute).tryConsumeAndReturnRemaining(1);
        }
        return new Outcome(probe.isConsumed(), perMinute, probe.getRemainingTokens(),
                ceilSeconds(probe.getNanosToWaitForReset()),
                Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())));
    }

    /** The shared bucket's answer, or null when Redis failed (this request then uses the local bucket). */
    private ConsumptionProbe remote(String key, int perMinute) {
        try {
            return proxy.builder().build(key.getBytes(StandardCharsets.UTF_8), () -> configuration(perMinute))
                    .tryConsumeAndReturnRemaining(1);
        } catch (RuntimeException e) {
            health.failed(e);
            return null;
        }
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

}
