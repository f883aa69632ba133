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
import java.util.UUID;
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
    static final String CACHE = "public, max-age=" + SnapshotRefresher.INTERVAL.toSeconds();
    /** The stylesheet's URL carries its digest, so it may be cached for long. */
    static final String CSS_CACHE = "public, max-age=86400";
    /** What a Host header may look like to be used in links: a name or address and a port. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}](:[0-9]{1,5})?");

    private final boolean enabled;
    private final SnapshotRefresher snapshots;
    private final Optional<String> publicBase;
    private final Rendered css;

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
        String origin = origin(ctx);
        serveSpliced(ctx, snapshot().json, origin, origin);
    }

    /** {@code GET /status/history.atom}: one entry per incident update. */
    public void atom(Context ctx) {
        String origin = origin(ctx);
        serveSpliced(ctx, snapshot().atom, origin.replace("&", "&amp;"), origin);
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

    private static void serveSpliced(Context ctx, Spliced s, String originInBody, String originForTag) {
        String etag = s.etag(originForTag);
        ctx.header("Cache-Control", CACHE);
        ctx.header("ETag", etag);
        ctx.contentType(s.contentType());
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.result(s.with(originInBody));
    }

    private static boolean acceptsGzip(Context ctx) {
        String accept = ctx.header("Accept-Encoding");
        return accept != null && accept.contains("gzip");
    }

    /** {@code PUBLIC_BASE_URL}, or the scheme and host the request came to. */
    private String origin(Context ctx) {
        if (publicBase.isPresent()) {
            return publicBase.get();
        }
        String host = ctx.header("Host");
        if (host == null || !HOST.matcher(host).matches()) {
            host = "localhost";
        }
        return ctx.scheme() + "://" + host;
    }
}
