package com.levqor.edge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.levqor.ops.EdgeMetrics;
import com.levqor.redis.RedisConnections;
import com.levqor.redis.RedisHealth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets of bucket4j, one per client (its IP, or its /64 for IPv6) or API key, with a
 * per-minute limit. With {@code REDIS_URL} they live in Redis, so every instance shares one limit;
 * while Redis does not answer ({@link RedisHealth}), each instance keeps local buckets (the limit
 * still holds per instance: nothing fails open) until Redis answers again.
 *
 * <p>Local buckets are kept in two bounded caches, one per scope, each dropping its least recently
 * used buckets past {@link #MAX_LOCAL_BUCKETS}: clients spraying addresses can only push out other
 * addresses' buckets, never an API key's. A bucket unused for {@link #IDLE_EXPIRY} would be full
 * again anyway and is dropped.
 */
public final class RateLimitBuckets {
    private static final Logger log = LoggerFactory.getLogger(RateLimitBuckets.class);
    /** Local buckets kept at most per scope (client IPs, API keys). */
    public static final long MAX_LOCAL_BUCKETS = 100_000;
    /** A local bucket untouched this long is dropped: it has refilled completely by then. */
    static final Duration IDLE_EXPIRY = Duration.ofMinutes(2);
    private static final String KEY_PREFIX = "levqor:ratelimit:";

    /** What a limit is kept by. */
    public enum Scope {
        IP("ip"), API_KEY("api_key");

        private final String wire;

        Scope(String wire) {
            this.wire = wire;
        }

        /** As answers and metrics name it. */
        public String wire() {
            return wire;
        }
    }

    /** One request's outcome against its bucket; times in whole seconds, rounded up. */
    public record Outcome(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    private record LocalBucket(Bucket bucket, int perMinute) {
    }

    private final ProxyManager<byte[]> proxy;
    private final Cache<String, LocalBucket> perIp = newCache();
    private final Cache<String, LocalBucket> perKey = newCache();
    private final RedisHealth health;

    /** @param redis the shared Redis, or empty to keep every bucket in this process */
    public RateLimitBuckets(Optional<RedisConnections> redis, EdgeMetrics metrics) {
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

    private static Cache<String, LocalBucket> newCache() {
        // Maintenance on the calling thread: no task handed to another pool per request.
        return Caffeine.newBuilder().maximumSize(MAX_LOCAL_BUCKETS).expireAfterAccess(IDLE_EXPIRY)
                .executor(Runnable::run).build();
    }

    /** {@code redis} when buckets are shared, {@code local} otherwise (no Redis, or Redis down). */
    public String store() {
        return proxy == null || !health.up() ? "local" : "redis";
    }

    /** Whether a take answers from this process's memory now (no Redis, or Redis down). */
    public boolean answersFromMemory() {
        return proxy == null || !health.up();
    }

    /** Takes one token from the bucket of {@code key} in {@code scope}, whose capacity is {@code perMinute}. */
    public Outcome take(Scope scope, String key, int perMinute) {
        ConsumptionProbe probe = null;
        if (proxy != null && health.up()) {
            probe = remote(KEY_PREFIX + scope.wire + ":" + key + ":" + perMinute, perMinute);
        }
        if (probe == null) {
            probe = localBucket(scope == Scope.IP ? perIp : perKey, key, perMinute).tryConsumeAndReturnRemaining(1);
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

    private static Bucket localBucket(Cache<String, LocalBucket> cache, String key, int perMinute) {
        LocalBucket b = cache.getIfPresent(key);
        if (b == null) {
            b = cache.get(key, k -> new LocalBucket(newBucket(perMinute), perMinute));
        }
        if (b.perMinute() != perMinute) { // the plan changed: a bucket of the new size
            LocalBucket fresh = new LocalBucket(newBucket(perMinute), perMinute);
            b = cache.asMap().replace(key, b, fresh) ? fresh : cache.get(key, k -> fresh);
        }
        return b.bucket();
    }

    private static Bucket newBucket(int perMinute) {
        return Bucket.builder()
                .addLimit(l -> l.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build();
    }

    /** Local buckets kept now per scope (tests: the caches stay bounded). */
    long localBuckets(Scope scope) {
        Cache<String, LocalBucket> c = scope == Scope.IP ? perIp : perKey;
        c.cleanUp();
        return c.estimatedSize();
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
