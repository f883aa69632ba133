package com.levqor.edge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.levqor.redis.RedisConnections;
import com.levqor.redis.RedisHealth;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;

/**
 * Failed authentications per client within a window. In Redis (shared by every instance) it is a
 * window opened by the first failure; in this process, while Redis is absent or down, a sliding
 * window kept in a bounded cache that drops its least recently used clients past
 * {@link #MAX_TRACKED_CLIENTS} (a spray of addresses forgets other sprayed addresses, not everyone).
 */
final class FailedAuthCounts {
    private static final String KEY_PREFIX = "levqor:abuse:failed_auth:";
    /** Clients whose failures this process counts at most. */
    static final long MAX_TRACKED_CLIENTS = 100_000;

    private final Duration window;
    private final Cache<String, Deque<Long>> local;
    private final UnifiedJedis redis;
    private final RedisHealth redisHealth;

    FailedAuthCounts(Duration window, Optional<RedisConnections> redis) {
        this.window = window;
        this.local = Caffeine.newBuilder().maximumSize(MAX_TRACKED_CLIENTS).expireAfterAccess(window)
                .executor(Runnable::run).build();
        this.redis = redis.map(RedisConnections::client).orElse(null);
        this.redisHealth = redis.map(RedisConnections::health).orElse(null);
    }

    /** Counts one failure of the client and returns its failures within the window. */
    int count(String client, long nowMillis) {
        if (redis != null && redisHealth.up()) {
            String key = KEY_PREFIX + client;
            try {
                long n = redis.incr(key);
                if (n == 1 || redis.ttl(key) < 0) {
                    redis.expire(key, window.toSeconds());
                }
                return (int) Math.min(Integer.MAX_VALUE, n);
            } catch (RuntimeException e) {
                redisHealth.failed(e); // counted per instance until Redis answers again
            }
        }
        long oldest = nowMillis - window.toMillis();
        Deque<Long> times = local.get(client, k -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && times.peekFirst() <= oldest) {
                times.pollFirst();
            }
            times.addLast(nowMillis);
            return times.size();
        }
    }

    /** Forgets the failures of a client (when it is blocked, and when its block is lifted). */
    void reset(String client) {
        local.invalidate(client);
        if (redis != null && redisHealth.up()) {
            try {
                redis.del(KEY_PREFIX + client);
            } catch (RuntimeException e) {
                // the counter expires with its window anyway
            }
        }
    }
}
