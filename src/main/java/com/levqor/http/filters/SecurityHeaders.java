package com.levqor.http.filters;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;

/**
 * {@code SECURITY_HEADERS_ENABLED}: OWASP's header set for APIs on every answer, errors included
 * (set before the handler and again after it, when the content type is known), and CORS for the
 * origins of {@code CORS_ALLOWED_ORIGINS} only. CORS does not depend on the flag: it is an allow
 * list, empty by default, and turning it off would break the browser clients it was set up for.
 */
public final class SecurityHeaders {
    /** For JSON and everything that is not a page: nothing may load, nothing may frame it. */
    public static final String API_CSP = "default-src 'none'; frame-ancestors 'none'";
    /** For HTML pages (the status page): their own resources only. */
    public static final String HTML_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            + "form-action 'self'; object-src 'none'";
    public static final String HSTS = "max-age=31536000; includeSubDomains";
    private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-Api-Key, Idempotency-Key, X-Request-Id";
    private static final String EXPOSED_HEADERS = "X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, "
            + "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
    /** How long a browser may cache a preflight answer, in seconds. */
    private static final int PREFLIGHT_MAX_AGE_SECONDS = 600;

    private final boolean enabled;
    private final List<String> allowedOrigins;

    public SecurityHeaders(boolean enabled, List<String> allowedOrigins) {
        this.enabled = enabled;
        this.allowedOrigins = List.copyOf(allowedOrigins);
    }

    public void register(RoutesConfig routes) {
        routes.before(this::before);
        routes.after(this::after);
    }

    private void before(Context ctx) {
        if (enabled) {
            apply(ctx);
        }
        String origin = ctx.header("Origin");
        if (origin == null || !allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
            return;
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        ctx.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        if (ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null) {
            ctx.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
            ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            ctx.header("Access-Control-Max-Age", Integer.toString(PREFLIGHT_MAX_AGE_SECONDS));
            ctx.status(204);
            ctx.skipRemainingHandlers();
        }
    }

    private void after(Context ctx) {
        if (enabled) {
            apply(ctx);
        }
    }

    /**
     * Wraps Jetty's own error handler (malformed request lines, bad URIs, oversized headers: answered
     * before Javalin sees the request) so those answers carry the headers too.
     */
    public Request.Handler wrapJettyErrors(Request.Handler inner) {
        if (!enabled || inner == null) {
            return inner;
        }
        return (request, response, callback) -> {
            HttpFields.Mutable h = response.getHeaders();
            h.put("Strict-Transport-Security", HSTS);
            h.put("X-Content-Type-Options", "nosniff");
            h.put("X-Frame-Options", "DENY");
            h.put("Content-Security-Policy", API_CSP);
            h.put("Referrer-Policy", "no-referrer");
            h.put("Cross-Origin-Opener-Policy", "same-origin");
            h.put("Cross-Origin-Resource-Policy", "same-origin");
            h.put("Cache-Control", "no-store");
            return inner.handle(request, response, callback);
        };
    }

    private static void apply(Context ctx) {
        String type = ctx.res().getContentType();
        boolean html = type != null && type.toLowerCase(Locale.ROOT).startsWith("text/html");
        ctx.header("Strict-Transport-Security", HSTS);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", html ? HTML_CSP : API_CSP);
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
        ctx.header("X-Permitted-Cross-Domain-Policies", "none");
        if (!html && ctx.res().getHeader("Cache-Control") == null) {
            ctx.header("Cache-Control", "no-store");
        }
    }
}
