package com.levqor.http.filters;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.ee10.servlet.ServletApiResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
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

    // Built once and encoded once: every answer carries them, twice set (before and after the handler).
    private static final HttpField HSTS_FIELD = new PreEncodedHttpField(HttpHeader.STRICT_TRANSPORT_SECURITY, HSTS);
    private static final HttpField API_CSP_FIELD = new PreEncodedHttpField("Content-Security-Policy", API_CSP);
    private static final HttpField HTML_CSP_FIELD = new PreEncodedHttpField("Content-Security-Policy", HTML_CSP);
    private static final HttpField NO_STORE_FIELD = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store");
    /** The headers that are the same on every answer, CSP and Cache-Control aside. */
    private static final HttpField[] FIXED_FIELDS = {
            HSTS_FIELD,
            new PreEncodedHttpField("X-Content-Type-Options", "nosniff"),
            new PreEncodedHttpField("X-Frame-Options", "DENY"),
            new PreEncodedHttpField("Referrer-Policy", "no-referrer"),
            new PreEncodedHttpField("Cross-Origin-Opener-Policy", "same-origin"),
            new PreEncodedHttpField("Cross-Origin-Resource-Policy", "same-origin"),
            new PreEncodedHttpField("X-Permitted-Cross-Domain-Policies", "none"),
    };

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
        boolean html = type != null && type.regionMatches(true, 0, "text/html", 0, 9);
        HttpFields.Mutable fields = jettyHeaders(ctx.res());
        if (fields == null) {
            applyThroughServletApi(ctx, html);
            return;
        }
        HttpField csp = html ? HTML_CSP_FIELD : API_CSP_FIELD;
        if (alreadyApplied(fields, csp, html)) {
            return; // the after filter of an answer whose headers nobody touched since the before filter
        }
        // The order of the servlet-API version below, so the answer's header order stays the same.
        fields.put(HSTS_FIELD);
        for (int i = 1; i < 3; i++) {
            fields.put(FIXED_FIELDS[i]);
        }
        fields.put(csp);
        for (int i = 3; i < FIXED_FIELDS.length; i++) {
            fields.put(FIXED_FIELDS[i]);
        }
        if (!html && fields.get(HttpHeader.CACHE_CONTROL) == null) {
            fields.put(NO_STORE_FIELD);
        }
    }

    /**
     * True when every header {@link #apply} would set is there already, as the very field it puts
     * (compared by identity: anyone who changed one put another object), in one pass over the headers.
     */
    private static boolean alreadyApplied(HttpFields fields, HttpField csp, boolean html) {
        int seen = 0;
        boolean cspSeen = false;
        boolean cacheControlSeen = false;
        for (HttpField f : fields) {
            if (f == csp) {
                cspSeen = true;
            } else if (f.getHeader() == HttpHeader.CACHE_CONTROL) {
                cacheControlSeen = true;
            } else if (isFixed(f)) {
                seen++;
            } else if (ourName(f.getName())) {
                return false; // a second or changed copy of one of ours: let put() settle it
            }
        }
        return seen == FIXED_FIELDS.length && cspSeen && (html || cacheControlSeen);
    }

    private static boolean isFixed(HttpField f) {
        for (HttpField fixed : FIXED_FIELDS) {
            if (f == fixed) {
                return true;
            }
        }
        return false;
    }

    private static boolean ourName(String name) {
        if (name.equalsIgnoreCase(API_CSP_FIELD.getName())) {
            return true;
        }
        for (HttpField fixed : FIXED_FIELDS) {
            if (name.equalsIgnoreCase(fixed.getName())) {
                return true;
            }
        }
        return false;
    }

    /** The Jetty headers behind the servlet response (what {@code setHeader} writes to), or null. */
    private static HttpFields.Mutable jettyHeaders(HttpServletResponse res) {
        return res instanceof ServletApiResponse api ? api.getResponse().getHeaders() : null;
    }

    private static void applyThroughServletApi(Context ctx, boolean html) {
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
