package com.levqor.edge;

import com.levqor.abuse.AbuseBlocks;
import com.levqor.abuse.Block;
import com.levqor.api.ApiException;
import com.levqor.config.Cidr;
import com.levqor.config.EdgeSettings;
import com.levqor.crypto.AdminKey;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.LogText;
import com.levqor.redis.RedisConnections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ABUSE_GUARDS_ENABLED}: counts failed authentications (bad API key, bad admin key) per
 * client (its IP; its /64 for IPv6); {@code ABUSE_FAILED_AUTH_LIMIT} of them within the window
 * block it (stored in Postgres, see {@link AbuseBlocks}). A blocked client is answered 403
 * {@code ip_blocked} with {@code details.blocked_until} and {@code Retry-After} on every route,
 * except a request that presents the right admin key (the operator is never locked out of lifting
 * a block) and the orchestrator probes ({@link ProbeRoutes}). Loopback is not exempt;
 * {@code ABUSE_EXEMPT_CIDRS} exempts ranges. The check reads this process's copy of the blocks
 * only, never the database.
 */
public final class AbuseGuard {
    private static final Logger log = LoggerFactory.getLogger(AbuseGuard.class);

    private final boolean enabled;
    private final AbuseBlocks blocks;
    private final ClientIp clientIp;
    private final EdgeMetrics metrics;
    private final Clock clock;
    private final int limit;
    private final Duration window;
    private final List<Cidr> exempt;
    private final AdminKey adminKey;
    private final FailedAuthCounts failures;

    /** @param redis where failures are counted for every instance; empty counts them in this process */
    public AbuseGuard(boolean enabled, EdgeSettings settings, AdminKey adminKey, AbuseBlocks blocks,
                      ClientIp clientIp, EdgeMetrics metrics, Clock clock, Optional<RedisConnections> redis) {
        this.enabled = enabled;
        this.blocks = blocks;
        this.clientIp = clientIp;
        this.metrics = metrics;
        this.clock = clock;
        this.limit = settings.failedAuthLimit();
        this.window = Duration.ofSeconds(settings.failedAuthWindowSeconds());
        this.exempt = settings.abuseExempt();
        this.adminKey = adminKey;
        this.failures = new FailedAuthCounts(window, redis);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Refuses a request from a blocked client; answered from the copy of the blocks, in either mode. */
    Verdict admit(EdgeRequest r) {
        if (!enabled || ProbeRoutes.is(r.route())) {
            return Verdict.ADMITTED;
        }
        String ip = clientIp.of(r);
        if (isExempt(ip)) {
            return Verdict.ADMITTED;
        }
        String client = ClientIp.clientKey(ip);
        Optional<Instant> until = blocks.blockedUntil(client);
        if (until.isEmpty() || adminKey.presentedIn(r.authorization())) {
            return Verdict.ADMITTED;
        }
        metrics.rejectedBlocked();
        long retryAfter = Math.max(1, Duration.between(clock.instant(), until.get()).toSeconds() + 1);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("reason", AbuseBlocks.REASON_FAILED_AUTH);
        details.put("blocked_until", until.get().toString());
        return r.refuse(new ApiException(403, "ip_blocked", "Requests from " + client + " are blocked until "
                + until.get() + " after repeated failed authentication.", details,
                Map.of("Retry-After", Long.toString(retryAfter))));
    }

    /** Told by authentication of every failed attempt (on a thread that may block). */
    void failed(EdgeRequest r, String kind) {
        if (!enabled) {
            return;
        }
        String ip = clientIp.of(r);
        if (isExempt(ip)) {
            return;
        }
        String client = ClientIp.clientKey(ip);
        int count = failures.count(client, clock.millis());
        if (count < limit) {
            return;
        }
        failures.reset(client);
        Block b;
        try {
            b = blocks.place(client, AbuseBlocks.REASON_FAILED_AUTH, count);
        } catch (RuntimeException e) {
            // The attempt is still refused (401); only the block could not be written.
            log.error("Could not block {} after {} failed authentications: {}", LogText.escape(client), count,
                    e.getMessage());
            return;
        }
        metrics.blocked(AbuseBlocks.REASON_FAILED_AUTH);
        log.warn("Blocked {} until {} after {} failed authentications ({}) within {} s (block level {}, id {})",
                LogText.escape(client), b.until(), count, kind, window.toSeconds(), b.level(), b.id());
    }

    /** Forgets the failures counted for a client (its block was lifted). */
    public void reset(String client) {
        failures.reset(client);
    }

    private boolean isExempt(String ip) {
        for (Cidr c : exempt) {
            if (c.contains(ip)) {
                return true;
            }
        }
        return false;
    }
}
