package com.levqor.edge;

import java.util.List;
import java.util.Set;

/**
 * {@code SECURITY_HEADERS_ENABLED}: OWASP's header set for APIs on every answer, errors included.
 * This is the one list of them, in the order answers carry them; each HTTP path writes it in its
 * own encoded form (see the HTTP layer's {@code SecurityHeaderFields}).
 */
public final class SecurityHeaders {
    /** For JSON and everything that is not a page: nothing may load, nothing may frame it. */
    public static final String API_CSP = "default-src 'none'; frame-ancestors 'none'";
    /** For HTML pages (the status page): their own resources only. */
    public static final String HTML_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            + "form-action 'self'; object-src 'none'";
    public static final String HSTS = "max-age=31536000; includeSubDomains";
    public static final String CSP_NAME = "Content-Security-Policy";
    /** Added to API answers (not pages) that set no Cache-Control of their own. */
    public static final Header NO_STORE = new Header("Cache-Control", "no-store");

    /**
     * Routes that other sites embed (the status badge in READMEs): their answers carry
     * {@link #CORP_CROSS_ORIGIN} instead of the set's {@code same-origin}, which browsers would obey
     * by refusing to show the image on any other site.
     */
    public static final Set<String> CROSS_ORIGIN_ROUTES = Set.of("/status/badge.svg");
    public static final Header CORP_CROSS_ORIGIN = new Header("Cross-Origin-Resource-Policy", "cross-origin");

    /** One header of the set. */
    public record Header(String name, String value) {
    }

    /**
     * The set, in order; {@code null} marks where the Content-Security-Policy goes ({@link #API_CSP}
     * or {@link #HTML_CSP} by the answer's type).
     */
    public static final List<Header> ORDERED = java.util.Collections.unmodifiableList(java.util.Arrays.asList(
            new Header("Strict-Transport-Security", HSTS),
            new Header("X-Content-Type-Options", "nosniff"),
            new Header("X-Frame-Options", "DENY"),
            null,
            new Header("Referrer-Policy", "no-referrer"),
            new Header("Cross-Origin-Opener-Policy", "same-origin"),
            new Header("Cross-Origin-Resource-Policy", "same-origin"),
            new Header("X-Permitted-Cross-Domain-Policies", "none")));

    private final boolean enabled;

    /** Whether answers on {@code path} may be loaded by other sites ({@link #CROSS_ORIGIN_ROUTES}). */
    public static boolean crossOrigin(String path) {
        return CROSS_ORIGIN_ROUTES.contains(path);
    }

    public SecurityHeaders(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    void apply(EdgeRequest r) {
        r.securityHeaders(enabled);
    }
}
