package com.levqor.status;

import com.levqor.api.ApiException;
import com.levqor.db.Uuids;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The public status endpoints: {@code GET /status}, {@code /status.json}, {@code /status/incidents/{id}},
 * {@code /status/history.atom}, {@code /status/badge.svg} and the page's stylesheet. Each answer is
 * bytes of the current {@link StatusSnapshot} (gzipped ones when the client accepts gzip), with an
 * entity tag ({@code If-None-Match} gets 304) and {@code Cache-Control: public, max-age=5}, so a
 * proxy or CDN in front may absorb an incident's traffic too.
 */
public final class StatusHandlers {
    /** How long clients and proxies may reuse an answer: about one refresh of the snapshot. */
    public static final String CACHE = "public, max-age=" + SnapshotRefresher.INTERVAL.toSeconds();
    /** The stylesheet's URL carries its digest, so it may be cached for long. */
    public static final String CSS_CACHE = "public, max-age=86400";
    /** What a Host header may look like to be used in links: a name or address and a port. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}](:[0-9]{1,5})?");
    /** Host headers whose origin is kept ({@link #origin(String, String)}); past it, origins are worked out per request. */
    static final int MAX_KNOWN_HOSTS = 64;

    private final boolean enabled;
    private final SnapshotRefresher snapshots;
    private final Optional<String> publicBase;
    private final Rendered css;
    /** The origin of each Host header seen over plain http (the check of the header is a regular expression). */
    private final Map<String, String> httpOrigins = new ConcurrentHashMap<>();

    StatusHandlers(boolean enabled, SnapshotRefresher snapshots, Optional<URI> publicBaseUrl, Rendered css) {
        this.enabled = enabled;
        this.snapshots = snapshots;
        this.publicBase = publicBaseUrl.map(u -> u.toString().replaceAll("/+$", ""));
        this.css = css;
    }

    /** The stylesheet from the jar, with its digest (the page links {@code style.css?v=<digest>}). */
    static Rendered stylesheet() {
        try (InputStream in = StatusHandlers.class.getResourceAsStream("/status/style.css")) {
            if (in == null) {
                throw new IllegalStateException("status/style.css is missing from the jar");
            }
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 12);
            return Rendered.of(text, "text/css; charset=utf-8", "\"" + digest + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code GET /status}: the page. */
    public void page(Context ctx) {
        serve(ctx, snapshot().page, CACHE);
    }

    /** {@code GET /status/badge.svg}: the overall state as a badge. */
    public void badge(Context ctx) {
        serve(ctx, snapshot().badge, CACHE);
    }

    /** {@code GET /status/style.css}. */
    public void css(Context ctx) {
        check();
        serve(ctx, css, CSS_CACHE);
    }

    /** {@code GET /status/incidents/{id}}: an incident's page (open ones, and those of the last 90 days). */
    public void incident(Context ctx) {
        StatusSnapshot s = snapshot();
        UUID id = Uuids.parseOrNull(ctx.pathParam("id"));
        Rendered r = (id == null ? Optional.<Rendered>empty() : s.incidentPage(id)).orElseThrow(() ->
                ApiException.notFound("incident_not_found", "No incident with id '" + ctx.pathParam("id")
                        + "' on the status page (it shows open incidents and those of the last 90 days)."));
        serve(ctx, r, CACHE);
    }

    /** {@code GET /status.json}: Statuspage's summary shape. */
    public void json(Context ctx) {
        String origin = origin(ctx.scheme(), ctx.header("Host"));
        serveSpliced(ctx, snapshot().json.forOrigin(origin, origin));
    }

    /** {@code GET /status/history.atom}: one entry per incident update. */
    public void atom(Context ctx) {
        String origin = origin(ctx.scheme(), ctx.header("Host"));
        serveSpliced(ctx, snapshot().atom.forOrigin(origin, origin.replace("&", "&amp;")));
    }

    // What the selector path serves (the HTTP layer's StatusRoutes): the same answers, never built there.

    /** {@code STATUS_PAGE_ENABLED}. */
    public boolean enabled() {
        return enabled;
    }

    /** The page of the snapshot built last; null before the first (building one reads the database). */
    public Rendered preparedPage() {
        StatusSnapshot s = snapshots.built();
        return s == null ? null : s.page;
    }

    /** The badge of the snapshot built last; null before the first. */
    public Rendered preparedBadge() {
        StatusSnapshot s = snapshots.built();
        return s == null ? null : s.badge;
    }

    /** The stylesheet. */
    public Rendered preparedStylesheet() {
        return css;
    }

    /**
     * {@code /status.json} of the snapshot built last for a request's scheme and Host header (as
     * {@link #json} answers it, before Javalin's own compression); null before the first snapshot.
     */
    public Rendered preparedJson(String scheme, String host) {
        StatusSnapshot s = snapshots.built();
        if (s == null) {
            return null;
        }
        String origin = origin(scheme, host);
        return s.json.forOrigin(origin, origin);
    }

    private StatusSnapshot snapshot() {
        check();
        return snapshots.current();
    }

    private void check() {
        if (!enabled) {
            throw ApiException.notFound("not_found", "The status page is turned off here (STATUS_PAGE_ENABLED=false).");
        }
    }

    private static void serve(Context ctx, Rendered r, String cacheControl) {
        ctx.header("Cache-Control", cacheControl);
        ctx.header("ETag", r.etag());
        ctx.header("Vary", "Accept-Encoding");
        ctx.contentType(r.contentType());
        ctx.disableCompression(); // already compressed once per snapshot, or not wanted
        if (r.etag().equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        if (acceptsGzip(ctx)) {
            ctx.header("Content-Encoding", "gzip");
            ctx.result(r.gzipped());
        } else {
            ctx.result(r.bytes());
        }
    }

    /** An answer joined for the request's origin; Javalin compresses it or not by its own rules, as ever. */
    private static void serveSpliced(Context ctx, Rendered r) {
        ctx.header("Cache-Control", CACHE);
        ctx.header("ETag", r.etag());
        ctx.contentType(r.contentType());
        if (r.etag().equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.result(r.bytes());
    }

    private static boolean acceptsGzip(Context ctx) {
        String accept = ctx.header("Accept-Encoding");
        return accept != null && accept.contains("gzip");
    }

    /** {@code PUBLIC_BASE_URL}, or the scheme and host the request came to ({@code localhost} for a strange host). */
    private String origin(String scheme, String host) {
        if (publicBase.isPresent()) {
            return publicBase.get();
        }
        if (host == null || !"http".equals(scheme)) {
            return originOf(scheme, host);
        }
        String known = httpOrigins.get(host);
        if (known != null) {
            return known;
        }
        String origin = originOf(scheme, host);
        if (httpOrigins.size() < MAX_KNOWN_HOSTS) {
            httpOrigins.putIfAbsent(host, origin);
        }
        return origin;
    }

    private static String originOf(String scheme, String host) {
        return scheme + "://" + (host == null || !HOST.matcher(host).matches() ? "localhost" : host);
    }
}
