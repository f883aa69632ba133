package com.levqor.edge;

import java.util.List;
import java.util.Locale;

/**
 * CORS for the origins of {@code CORS_ALLOWED_ORIGINS} only (none by default, never {@code *}):
 * their answers name them, and their preflights are answered 204. It does not depend on
 * SECURITY_HEADERS_ENABLED: it is an allow list, and turning it off would break the browser
 * clients it was set up for.
 */
public final class Cors {
    private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-Api-Key, Idempotency-Key, X-Request-Id";
    private static final String EXPOSED_HEADERS = "X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, "
            + "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
    /** How long a browser may cache a preflight answer, in seconds. */
    private static final int PREFLIGHT_MAX_AGE_SECONDS = 600;

    private final List<String> allowedOrigins;

    public Cors(List<String> allowedOrigins) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** Notes an allowed origin on the request; true when the request is that origin's preflight. */
    boolean preflight(EdgeRequest r) {
        String origin = r.origin();
        if (origin == null || allowedOrigins.isEmpty() || !allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
            return false;
        }
        r.corsOrigin(origin);
        return "OPTIONS".equals(r.method()) && r.preflightMethod() != null;
    }

    static void writeHeaders(String origin, boolean preflight, HeaderSink sink) {
        sink.header("Access-Control-Allow-Origin", origin);
        sink.header("Vary", "Origin");
        sink.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        if (preflight) {
            sink.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
            sink.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            sink.header("Access-Control-Max-Age", Integer.toString(PREFLIGHT_MAX_AGE_SECONDS));
        }
    }
}
