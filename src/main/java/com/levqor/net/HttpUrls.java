package com.levqor.net;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * The one syntax check of a URL that Levqor calls or names: absolute, {@code http} or {@code https},
 * with a host. Used by {@code callback_url} at intake, {@code http.request}'s {@code url}, the
 * URL-valued settings, the CORS origins, and {@link Egress} before it resolves anything. Whether the
 * host may be reached is a different question, answered by {@link EgressGuard} at connection time.
 */
public final class HttpUrls {
    /** What every error message asks for. */
    public static final String EXPECTED = "an absolute http:// or https:// URL";

    private HttpUrls() {
    }

    /** The URL when {@code text} is an absolute http(s) URL with a host, else empty. */
    public static Optional<URI> parse(String text) {
        return parse(text, Integer.MAX_VALUE);
    }

    /** As {@link #parse(String)}, and refused above {@code maxChars} characters. */
    public static Optional<URI> parse(String text, int maxChars) {
        if (text == null || text.isEmpty() || text.length() > maxChars) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            return isHttp(uri) ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** True for an absolute http(s) URI with a host (a URI that {@link #parse} would give). */
    public static boolean isHttp(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && !uri.getHost().isEmpty();
    }

    /**
     * The origin in lower case when {@code text} is one (scheme, host and an optional port: no path,
     * query, fragment or user), as CORS compares them; else empty.
     */
    public static Optional<String> origin(String text) {
        return parse(text).filter(u -> (u.getRawPath() == null || u.getRawPath().isEmpty())
                        && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null)
                .map(u -> text.toLowerCase(Locale.ROOT));
    }
}
