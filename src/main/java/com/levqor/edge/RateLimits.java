package com.levqor.edge;

import com.levqor.accounts.Caller;
import com.levqor.api.ApiException;
import com.levqor.config.EdgeSettings;
import com.levqor.edge.RateLimitBuckets.Scope;
import com.levqor.ops.EdgeMetrics;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code RATELIMIT_ENABLED}: token buckets per API key by the account's plan on API routes, and per
 * client (its IP; its /64 for IPv6) on public routes. Admin routes are not limited (the abuse
 * guards watch their failed attempts); health probes, the metrics scrape and the public status page
 * are exempt ({@link #exempt}) so a busy probe, or a crowd refreshing the status page during an
 * incident, is never answered 429; nor are unmatched paths (404).
 *
 * <p>Every limited answer carries the IETF draft's {@code RateLimit-Policy} and {@code RateLimit}
 * ({@code "ip";q=60;w=60}, {@code "ip";r=59;t=1}) and {@code X-RateLimit-Limit/Remaining/Reset}
 * (Reset in Unix seconds); a refusal is 429 {@code rate_limited} with {@code Retry-After} and the
 * scope in {@code details}.
 */
public final class RateLimits {
    /**
     * Routes never limited per IP: probes and scrapes must not fail because they are frequent, and the
     * status page ({@code /status}, {@code /status.json}) is served from memory to whoever asks,
     * often many people behind one address, or one image proxy fetching the badge for every README.
     */
    public static final Set<String> EXEMPT_ROUTES = Set.of("/ops/uptime", "/ops/queue_health", "/metrics", "/status",
            "/status.json", "/livez", "/readyz");
    /** Every route under it is exempt too: the status page's incident pages, feed, badge and stylesheet. */
    public static final String EXEMPT_PREFIX = "/status/";
    private static final int WINDOW_SECONDS = 60;

    private final boolean enabled;
    private final EdgeSettings settings;
    private final RateLimitBuckets buckets;
    private final ClientIp clientIp;
    private final EdgeMetrics metrics;
    private final Clock clock;

    public RateLimits(boolean enabled, EdgeSettings settings, RateLimitBuckets buckets, ClientIp clientIp,
                      EdgeMetrics metrics, Clock clock) {
        this.enabled = enabled;
        this.settings = settings;
        this.buckets = buckets;
        this.clientIp = clientIp;
        this.metrics = metrics;
        this.clock = clock;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Per client on public routes: before authentication. */
    Verdict perIp(EdgeRequest r, Mode mode) {
        if (!enabled || r.access() != RouteAccess.PUBLIC || exempt(r.route())) {
            return Verdict.ADMITTED;
        }
        if (mode == Mode.MEMORY_ONLY && !buckets.answersFromMemory()) {
            return Verdict.HAND_OFF;
        }
        return take(r, Scope.IP, ClientIp.clientKey(clientIp.of(r)), settings.ipPerMinute(), "per client IP");
    }

    /** Whether a route (its template) is exempt from the per-IP limit: {@link #EXEMPT_ROUTES}, {@link #EXEMPT_PREFIX}. */
    public static boolean exempt(String route) {
        return EXEMPT_ROUTES.contains(route) || route.startsWith(EXEMPT_PREFIX);
    }

    /** Per API key: after authentication, which names the caller and its plan. */
    Verdict perKey(EdgeRequest r, Mode mode) {
        Caller caller = r.caller();
        if (!enabled || caller == null) {
            return Verdict.ADMITTED;
        }
        if (mode == Mode.MEMORY_ONLY && !buckets.answersFromMemory()) {
            return Verdict.HAND_OFF;
        }
        String plan = caller.plan().wire();
        return take(r, Scope.API_KEY, caller.keyPrefix(), settings.perMinuteForPlan(plan),
                "per API key on the " + plan + " plan");
    }

    private Verdict take(EdgeRequest r, Scope scope, String key, int perMinute, String what) {
        RateLimitBuckets.Outcome o = buckets.take(scope, key, perMinute);
        long resetAt = clock.instant().getEpochSecond() + o.resetSeconds();
        if (o.allowed()) {
            r.limit(scope.wire(), o, resetAt);
            return Verdict.ADMITTED;
        }
        metrics.rateLimited(scope.wire());
        Map<String, String> headers = new LinkedHashMap<>();
        writeHeaders(scope.wire(), o, resetAt, headers::put);
        headers.put("Retry-After", Long.toString(o.retryAfterSeconds()));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("scope", scope.wire());
        details.put("limit", Long.toString(o.limit()));
        details.put("window_seconds", Integer.toString(WINDOW_SECONDS));
        details.put("retry_after_seconds", Long.toString(o.retryAfterSeconds()));
        return r.refuse(new ApiException(429, "rate_limited", "Rate limit of " + o.limit() + " requests per minute "
                + what + " exceeded (scope '" + scope.wire() + "'); retry in " + o.retryAfterSeconds() + " s.",
                details, headers));
    }

    static void writeHeaders(String scope, RateLimitBuckets.Outcome o, long resetAt, HeaderSink sink) {
        sink.header("RateLimit-Policy", "\"" + scope + "\";q=" + o.limit() + ";w=" + WINDOW_SECONDS);
        sink.header("RateLimit", "\"" + scope + "\";r=" + o.remaining() + ";t=" + o.resetSeconds());
        sink.header("X-RateLimit-Limit", Long.toString(o.limit()));
        sink.header("X-RateLimit-Remaining", Long.toString(o.remaining()));
        sink.header("X-RateLimit-Reset", Long.toString(resetAt));
    }
}
