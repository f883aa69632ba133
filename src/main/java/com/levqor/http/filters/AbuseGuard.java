package com.levqor.http.filters;

import com.levqor.abuse.AbuseBlocks;
import com.levqor.abuse.Block;
import com.levqor.config.Cidr;
import com.levqor.crypto.AdminKey;
import com.levqor.config.EdgeSettings;
import com.levqor.api.ApiException;
import com.levqor.http.AuthFailures;
import com.levqor.http.ErrorMapping;
import com.levqor.ops.EdgeMetrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.BadMessageException;
import org.slf4j.Logger;
import redis.clients.jedis.RedisClient;
import com.levqor.redis.RedisConnections;
import com.levqor.redis.RedisHealth;
import org.slf4j.LoggerFactory;

/**
 * {@code ABUSE_GUARDS_ENABLED}: counts failed authentications (bad API key, bad admin key) per
 * client IP; {@code ABUSE_FAILED_AUTH_LIMIT} of them within the window block the IP (stored in
 * Postgres, see {@link AbuseBlocks}). A blocked IP is answered 403 {@code ip_blocked} with
 * {@code details.blocked_until} and {@code Retry-After} on every route, except a request that
 * presents the right admin key (the operator is never locked out of lifting a block). Loopback is
 * not exempt; {@code ABUSE_EXEMPT_CIDRS} exempts ranges. Failures are counted in Redis when
 * {@code REDIS_URL} is set (per instance while it is down or unset); the blocks are shared through
 * Postgres.
 */
public final class AbuseGuard implements AuthFailures {
    private static final Logger log = LoggerFactory.getLogger(AbuseGuard.class);
    private static final String KEY_PREFIX = "levqor:abuse:failed_auth:";
    /** Counters kept at most; past it the oldest-looking ones are dropped. */
    private static final int MAX_TRACKED_IPS = 100_000;

    private final boolean enabled;
    private final AbuseBlocks blocks;
    private final ClientIp clientIp;
    private final EdgeMetrics metrics;
    private final Clock clock;
    private final int limit;
    private final Duration window;
    private final List<Cidr> exempt;
    private final AdminKey adminKey;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();
    private final RedisClient redis;
    private final RedisHealth redisHealth;

    /** @param redis where failures are counted for every instance; empty counts them in this process */
    public AbuseGuard(boolean enabled, EdgeSettings settings, AdminKey adminKey, AbuseBlocks blocks,
                      ClientIp clientIp, EdgeMetrics metrics, Clock clock, Optional<RedisConnections> redis) {
        this.enabled = enabled;
        this.redis = redis.map(RedisConnections::client).orElse(null);
        this.redisHealth = redis.map(RedisConnections::health).orElse(null);
        this.blocks = blocks;
        this.clientIp = clientIp;
        this.metrics = metrics;
        this.clock = clock;
        this.limit = settings.failedAuthLimit();
        this.window = Duration.ofSeconds(settings.failedAuthWindowSeconds());
        this.exempt = settings.abuseExempt();
        this.adminKey = adminKey;
    }

    public void register(RoutesConfig routes) {
        if (enabled) { // off, the filter would return at once: not registering it spares Javalin a task per request
            routes.before(this::rejectBlocked);
        }
        // Jetty refuses a body that trickles in below MIN_REQUEST_DATA_RATE (408) or is broken (400)
        // while a handler reads it: answer that status in JSON instead of a 500.
        routes.exception(BadMessageException.class, (e, ctx) -> {
            ApiException answer = refusedBody(e, ctx.method().name(), ctx.path(), clientIp.of(ctx));
            ErrorMapping.write(ctx, answer.status(), answer.code(), answer.getMessage(), Map.of(), answer.headers());
        });
    }

    /**
     * The answer to a body Jetty refused while it was read (too slow: 408; broken: 400), logged; the
     * connection is closed after it.
     */
    public static ApiException refusedBody(BadMessageException e, String method, String path, String ip) {
        int status = e.getCode() >= 400 && e.getCode() < 500 ? e.getCode() : 400;
        log.warn("Refused the body of {} {} from {}: {}", method, path, ip, e.getReason());
        if (status == 408) {
            return new ApiException(408, "request_timeout", "The request body arrived too slowly (below "
                    + "MIN_REQUEST_DATA_RATE bytes per second); send it at once.", Map.of(), Map.of("Connection", "close"));
        }
        return new ApiException(status, "bad_request", "The request body could not be read: " + e.getReason() + ".",
                Map.of(), Map.of("Connection", "close"));
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * True when a request from this client IP with this Authorization header would be refused
     * because the IP is blocked (the direct routes then leave it to the filter, which says so).
     */
    public boolean refuses(String ip, String authorization) {
        return enabled && !isExempt(ip) && blocks.blockedUntil(ip).isPresent() && !presentsAdminKey(authorization);
    }

    /**
     * {@link #refuses} for a thread that must not block: from this process's copy of the blocks
     * (reloaded on {@code refresher} when stale); null when there is no copy to answer from.
     */
    public Boolean refusesFromMemory(String ip, String authorization, Executor refresher) {
        if (!enabled || isExempt(ip)) {
            return false;
        }
        Optional<Optional<Instant>> until = blocks.blockedUntilFromMemory(ip, refresher);
        return until.isEmpty() ? null : until.get().isPresent() && !presentsAdminKey(authorization);
    }

    private void rejectBlocked(Context ctx) {
        if (!enabled) {
            return;
        }
        String ip = clientIp.of(ctx);
        if (isExempt(ip)) {
            return;
        }
        Optional<Instant> until = blocks.blockedUntil(ip);
        if (until.isEmpty() || presentsAdminKey(ctx.header("Authorization"))) {
            return;
        }
        metrics.rejectedBlocked();
        long retryAfter = Math.max(1, Duration.between(clock.instant(), until.get()).toSeconds() + 1);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("reason", AbuseBlocks.REASON_FAILED_AUTH);
        details.put("blocked_until", until.get().toString());
        throw new ApiException(403, "ip_blocked", "Requests from " + ip + " are blocked until " + until.get()
                + " after repeated failed authentication.", details, Map.of("Retry-After", Long.toString(retryAfter)));
    }

    /** Told by authentication of every failed attempt. */
    @Override
    public void failed(Context ctx, String kind) {
        if (!enabled) {
            return;
        }
        String ip = clientIp.of(ctx);
        if (isExempt(ip)) {
            return;
        }
        int count = count(ip, clock.millis());
        if (count < limit) {
            return;
        }
        reset(ip);
        Block b;
        try {
            b = blocks.place(ip, AbuseBlocks.REASON_FAILED_AUTH, count);
        } catch (RuntimeException e) {
            // The attempt is still refused (401); only the block could not be written.
            log.error("Could not block {} after {} failed authentications: {}", ip, count, e.getMessage());
            return;
        }
        metrics.blocked(AbuseBlocks.REASON_FAILED_AUTH);
        log.warn("Blocked {} until {} after {} failed authentications ({}) within {} s (block level {}, id {})",
                ip, b.until(), count, kind, window.toSeconds(), b.level(), b.id());
    }

    /**
     * Counts one failure of the IP and returns its failures within the window. In Redis (shared by
     * every instance) it is a window opened by the first failure; in this process, while Redis is
     * absent or down, a sliding window.
     */
    private int count(String ip, long now) {
        if (redis != null && redisHealth.up()) {
            String key = KEY_PREFIX + ip;
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
        long oldest = now - window.toMillis();
        if (failures.size() > MAX_TRACKED_IPS) {
            failures.clear();
        }
        Deque<Long> times = failures.computeIfAbsent(ip, k -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && times.peekFirst() <= oldest) {
                times.pollFirst();
            }
            times.addLast(now);
            return times.size();
        }
    }

    /** Forgets the failures counted for an IP (when it is blocked, and when its block is lifted). */
    public void reset(String ip) {
        failures.remove(ip);
        if (redis != null && redisHealth.up()) {
            try {
                redis.del(KEY_PREFIX + ip);
            } catch (RuntimeException e) {
                // the counter expires with its window anyway
            }
        }
    }

    private boolean isExempt(String ip) {
        for (Cidr c : exempt) {
            if (c.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    private boolean presentsAdminKey(String authorization) {
        return adminKey.presentedIn(authorization);
    }
}
