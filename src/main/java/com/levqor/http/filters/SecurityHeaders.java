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

    // What one pass over an answer's headers found (see scan).
    private static final int ALL_OURS_PRESENT = 1;
    private static final int ANY_OURS_PRESENT = 2;
    private static final int CACHE_CONTROL_PRESENT = 4;

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
     * Adds the header set of a JSON answer to headers that have none of them yet, in the order
     * the filters set them (a direct route's answer; no-op when the flag is off).
     */
    public void addJsonAnswerHeaders(HttpFields.Mutable fields) {
        if (!enabled) {
            return;
        }
        fields.add(HSTS_FIELD);
        for (int i = 1; i < 3; i++) {
            fields.add(FIXED_FIELDS[i]);
        }
        fields.add(API_CSP_FIELD);
        for (int i = 3; i < FIXED_FIELDS.length; i++) {
            fields.add(FIXED_FIELDS[i]);
        }
        fields.add(NO_STORE_FIELD);
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
        int found = scan(fields, csp);
        boolean cacheControl = (found & CACHE_CONTROL_PRESENT) != 0;
        if ((found & ALL_OURS_PRESENT) != 0 && (html || cacheControl)) {
            return; // the after filter of an answer whose headers nobody touched since the before filter
        }
        // Same order as the servlet-API version below, so the answer's header order stays the same.
        // None of ours there yet (the before filter): appending is what put() would do, without its search.
        boolean append = (found & ANY_OURS_PRESENT) == 0;
        set(fields, HSTS_FIELD, append);
        for (int i = 1; i < 3; i++) {
            set(fields, FIXED_FIELDS[i], append);
        }
        set(fields, csp, append);
        for (int i = 3; i < FIXED_FIELDS.length; i++) {
            set(fields, FIXED_FIELDS[i], append);
        }
        if (!html && !cacheControl) {
            set(fields, NO_STORE_FIELD, append);
        }
    }

    private static void set(HttpFields.Mutable fields, HttpField field, boolean append) {
        if (append) {
            fields.add(field);
        } else {
            fields.put(field);
        }
    }

    /**
     * One pass over the headers: whether every header {@link #apply} sets is there already as the
     * very field it puts (compared by identity: anyone who changed one put another object), whether
     * any header of those names is there at all, and whether Cache-Control is.
     */
    private static int scan(HttpFields fields, HttpField csp) {
        int identical = 0;
        boolean any = false;
        boolean changed = false;
        boolean cacheControl = false;
        for (HttpField f : fields) {
            if (f == csp || isFixed(f)) {
                identical++;
                any = true;
            } else if (f.getHeader() == HttpHeader.CACHE_CONTROL) {
                cacheControl = true;
            } else if (ourName(f.getName())) {
                any = true;
                changed = true; // a changed or second copy of one of ours
            }
        }
        int found = 0;
        if (!changed && identical == FIXED_FIELDS.length + 1) {
            found |= ALL_OURS_PRESENT;
        }
        if (any) {
            found |= ANY_OURS_PRESENT;
        }
        if (cacheControl) {
            found |= CACHE_CONTROL_PRESENT;
        }
        return found;
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
