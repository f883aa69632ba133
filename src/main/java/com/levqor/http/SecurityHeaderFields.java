package com.levqor.http;

import com.levqor.edge.SecurityHeaders;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;

/**
 * The security headers of {@link SecurityHeaders#ORDERED}, encoded once as Jetty fields, written
 * onto the answers of each path: a direct route's, a Javalin route's (before the handler and again
 * after it, when the content type is known), and Jetty's own error answers.
 */
final class SecurityHeaderFields {
    private static final HttpField[] API = encode(null, SecurityHeaders.API_CSP);
    /** The same field objects as {@link #API} but the policy: a page's answer is recognised as untouched too. */
    private static final HttpField[] HTML = encode(API, SecurityHeaders.HTML_CSP);
    /** {@link #API} with {@link SecurityHeaders#CORP_CROSS_ORIGIN}: answers other sites embed (the status badge). */
    private static final HttpField[] API_CROSS_ORIGIN = crossOrigin(API);
    private static final HttpField NO_STORE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL,
            SecurityHeaders.NO_STORE.value());

    // What one pass over an answer's headers found (see scan).
    private static final int ALL_OURS_PRESENT = 1;
    private static final int ANY_OURS_PRESENT = 2;
    private static final int CACHE_CONTROL_PRESENT = 4;

    private final boolean enabled;

    SecurityHeaderFields(boolean enabled) {
        this.enabled = enabled;
    }

    private static HttpField[] encode(HttpField[] shared, String csp) {
        HttpField[] out = new HttpField[SecurityHeaders.ORDERED.size()];
        for (int i = 0; i < out.length; i++) {
            SecurityHeaders.Header h = SecurityHeaders.ORDERED.get(i);
            out[i] = h == null ? new PreEncodedHttpField(SecurityHeaders.CSP_NAME, csp)
                    : shared != null ? shared[i] : new PreEncodedHttpField(h.name(), h.value());
        }
        return out;
    }

    private static HttpField[] crossOrigin(HttpField[] shared) {
        HttpField[] out = shared.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i].getName().equalsIgnoreCase(SecurityHeaders.CORP_CROSS_ORIGIN.name())) {
                out[i] = new PreEncodedHttpField(SecurityHeaders.CORP_CROSS_ORIGIN.name(),
                        SecurityHeaders.CORP_CROSS_ORIGIN.value());
            }
        }
        return out;
    }

    /** Adds the set of a JSON answer to headers that have none of them yet (a direct route's answer). */
    void addJson(HttpFields.Mutable fields) {
        if (!enabled) {
            return;
        }
        for (HttpField f : API) {
            fields.add(f);
        }
        fields.add(NO_STORE);
    }

    /**
     * Adds the set of a JSON answer to headers that have none of them yet, with the cross-origin
     * resource policy when other sites embed the route (a refusal on the status badge).
     */
    void addJson(HttpFields.Mutable fields, boolean crossOrigin) {
        if (!enabled) {
            return;
        }
        for (HttpField f : crossOrigin ? API_CROSS_ORIGIN : API) {
            fields.add(f);
        }
        fields.add(NO_STORE);
    }

    /**
     * Adds the set, without no-store, to an answer with a Cache-Control of its own and none of the
     * set yet (a status answer of the selector path): the page policy for a page, the cross-origin
     * resource policy for what other sites embed, the API set for the rest. The same headers
     * {@link #apply} leaves on the Javalin path's answer.
     */
    void addCacheable(HttpFields.Mutable fields, boolean page, boolean crossOrigin) {
        if (!enabled) {
            return;
        }
        for (HttpField f : page ? HTML : crossOrigin ? API_CROSS_ORIGIN : API) {
            fields.add(f);
        }
    }

    /** Puts the set of a JSON answer, replacing what is there (Jetty's own error answers). */
    void putJson(HttpFields.Mutable fields) {
        if (!enabled) {
            return;
        }
        for (HttpField f : API) {
            fields.put(f);
        }
        fields.put(NO_STORE);
    }

    /**
     * Sets the set on a Javalin answer: the page policy for HTML, a cross-origin resource policy on
     * the routes other sites embed, no-store on everything else that sets no Cache-Control.
     */
    void apply(Context ctx) {
        if (!enabled) {
            return;
        }
        String type = ctx.res().getContentType();
        boolean html = type != null && type.regionMatches(true, 0, "text/html", 0, 9);
        boolean crossOrigin = !html && SecurityHeaders.crossOrigin(ctx.path());
        HttpFields.Mutable fields = JettyInternals.headers(ctx.res());
        if (fields == null) {
            applyThroughServletApi(ctx.res(), html, crossOrigin);
            return;
        }
        HttpField[] ours = html ? HTML : crossOrigin ? API_CROSS_ORIGIN : API;
        int found = scan(fields, ours);
        boolean cacheControl = (found & CACHE_CONTROL_PRESENT) != 0;
        if ((found & ALL_OURS_PRESENT) != 0 && (html || cacheControl)) {
            return; // the after filter of an answer whose headers nobody touched since the before filter
        }
        // None of ours there yet (the before filter): appending is what put() would do, without its search.
        boolean append = (found & ANY_OURS_PRESENT) == 0;
        for (HttpField f : ours) {
            set(fields, f, append);
        }
        if (!html && !cacheControl) {
            set(fields, NO_STORE, append);
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
     * One pass over the headers: whether every header of {@code ours} is there already as the very
     * field it puts (compared by identity: anyone who changed one put another object), whether any
     * header of those names is there at all, and whether Cache-Control is.
     */
    private static int scan(HttpFields fields, HttpField[] ours) {
        int identical = 0;
        boolean any = false;
        boolean changed = false;
        boolean cacheControl = false;
        for (HttpField f : fields) {
            if (isOneOf(f, ours)) {
                identical++;
                any = true;
            } else if (f.getHeader() == HttpHeader.CACHE_CONTROL) {
                cacheControl = true;
            } else if (hasOurName(f.getName())) {
                any = true;
                changed = true; // a changed or second copy of one of ours
            }
        }
        int found = 0;
        if (!changed && identical == ours.length) {
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

    private static boolean isOneOf(HttpField f, HttpField[] ours) {
        for (HttpField o : ours) {
            if (f == o) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasOurName(String name) {
        for (HttpField o : API) {
            if (name.equalsIgnoreCase(o.getName())) {
                return true;
            }
        }
        return false;
    }

    private static void applyThroughServletApi(HttpServletResponse res, boolean html, boolean crossOrigin) {
        for (SecurityHeaders.Header h : SecurityHeaders.ORDERED) {
            if (h == null) {
                res.setHeader(SecurityHeaders.CSP_NAME, html ? SecurityHeaders.HTML_CSP : SecurityHeaders.API_CSP);
            } else if (crossOrigin && h.name().equals(SecurityHeaders.CORP_CROSS_ORIGIN.name())) {
                res.setHeader(h.name(), SecurityHeaders.CORP_CROSS_ORIGIN.value());
            } else {
                res.setHeader(h.name(), h.value());
            }
        }
        if (!html && res.getHeader("Cache-Control") == null) {
            res.setHeader("Cache-Control", SecurityHeaders.NO_STORE.value());
        }
    }
}
