package com.levqor.http.filters;

import com.levqor.accounts.Caller;
import com.levqor.config.EdgeSettings;
import com.levqor.http.Access;
import com.levqor.api.ApiException;
import com.levqor.http.Routes;
import com.levqor.ops.EdgeMetrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code RATELIMIT_ENABLED}: token buckets per API key by the account's plan on API routes, and per
 * client IP on public routes. Admin routes are not limited (the abuse guards watch their failed
 * attempts); health probes and the metrics scrape are exempt so a busy probe is never answered 429.
 *
 * <p>Every limited answer carries the IETF draft's {@code RateLimit-Policy} and {@code RateLimit}
 * ({@code "ip";q=60;w=60}, {@code "ip";r=59;t=1}) and {@code X-RateLimit-Limit/Remaining/Reset}
 * (Reset in Unix seconds); a refusal is 429 {@code rate_limited} with {@code Retry-After} and the
 * scope in {@code details}.
 */
public final class RateLimiting {
    /** Routes never limited per IP: probes and scrapes must not fail because they are frequent. */
    public static final Set<String> EXEMPT_ROUTES = Set.of("/ops/uptime", "/ops/queue_health", "/metrics");
    public static final String SCOPE_IP = "ip";
    public static final String SCOPE_API_KEY = "api_key";
    private static final int WINDOW_SECONDS = 60;

    private final boolean enabled;
    private final EdgeSettings settings;
    private final RateLimitBuckets buckets;
    private final ClientIp clientIp;
    private final EdgeMetrics metrics;
    private final Clock clock;

    public RateLimiting(boolean enabled, EdgeSettings settings, RateLimitBuckets buckets, ClientIp clientIp,
                        EdgeMetrics metrics, Clock clock) {
        this.enabled = enabled;
        this.settings = settings;
        this.buckets = buckets;
        this.clientIp = clientIp;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Per client IP on public routes: before authentication. */
    public void registerBeforeAuthentication(RoutesConfig routes) {
        if (enabled) { // off, the filter would return at once: not registering it spares Javalin a task per request
            routes.beforeMatched(this::perIp);
        }
    }

    /** Per API key: after authentication, which names the caller and its plan. */
    public void registerAfterAuthentication(RoutesConfig routes) {
        if (enabled) {
            routes.beforeMatched(this::perKey);
        }
    }

    private void perIp(Context ctx) {
        Set<?> roles = ctx.routeRoles();
        if (!enabled || roles.contains(Access.API_KEY) || roles.contains(Access.ADMIN)
                || EXEMPT_ROUTES.contains(Routes.template(ctx))) {
            return;
        }
        limit(ctx, SCOPE_IP, "ip:" + clientIp.of(ctx), settings.ipPerMinute(), "per client IP");
    }

    private void perKey(Context ctx) {
        if (!enabled || !ctx.routeRoles().contains(Access.API_KEY)) {
            return;
        }
        perKey(Caller.of(ctx)).forEach(ctx::header);
    }

    /**
     * Takes one request from the caller's per-key bucket: the rate-limit headers the answer carries
     * (none when limits are off).
     *
     * @throws ApiException 429, with those headers and Retry-After, when the bucket is empty
     */
    public Map<String, String> perKey(Caller caller) {
        if (!enabled) {
            return Map.of();
        }
        return limit(SCOPE_API_KEY, "key:" + caller.keyPrefix(), settings.perMinuteForPlan(caller.plan().wire()),
                "per API key on the " + caller.plan().wire() + " plan");
    }

    /**
     * {@link #perKey} from this process's buckets only, for a thread that must not block: null when
     * the bucket is shared in Redis (ask {@link #perKey}).
     */
    public Map<String, String> perKeyFromMemory(Caller caller) {
        if (!enabled) {
            return Map.of();
        }
        return buckets.local() ? perKey(caller) : null;
    }

    private void limit(Context ctx, String scope, String key, int perMinute, String what) {
        limit(scope, key, perMinute, what).forEach(ctx::header);
    }

    private Map<String, String> limit(String scope, String key, int perMinute, String what) {
        RateLimitBuckets.Outcome o = buckets.take(key, perMinute);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Policy", "\"" + scope + "\";q=" + o.limit() + ";w=" + WINDOW_SECONDS);
        headers.put("RateLimit", "\"" + scope + "\";r=" + o.remaining() + ";t=" + o.resetSeconds());
        headers.put("X-RateLimit-Limit", Long.toString(o.limit()));
        headers.put("X-RateLimit-Remaining", Long.toString(o.remaining()));
        headers.put("X-RateLimit-Reset", Long.toString(clock.instant().getEpochSecond() + o.resetSeconds()));
        if (o.allowed()) {
            return headers;
        }
        metrics.rateLimited(scope);
        headers.put("Retry-After", Long.toString(o.retryAfterSeconds()));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("scope", scope);
        details.put("limit", Long.toString(o.limit()));
        details.put("window_seconds", Integer.toString(WINDOW_SECONDS));
        details.put("retry_after_seconds", Long.toString(o.retryAfterSeconds()));
        throw new ApiException(429, "rate_limited", "Rate limit of " + o.limit() + " requests per minute " + what
                + " exceeded (scope '" + scope + "'); retry in " + o.retryAfterSeconds() + " s.", details, headers);
    }
}
