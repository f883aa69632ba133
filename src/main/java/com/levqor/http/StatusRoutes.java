package com.levqor.http;

import com.levqor.api.ApiException;
import com.levqor.edge.Mode;
import com.levqor.edge.RequestId;
import com.levqor.edge.RouteAccess;
import com.levqor.edge.SecurityHeaders;
import com.levqor.edge.Verdict;
import com.levqor.status.Rendered;
import com.levqor.status.StatusHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * The public status routes that answer bytes of the in-memory snapshot ({@code GET /status},
 * {@code /status.json}, {@code /status/badge.svg}, {@code /status/style.css}) served where Jetty
 * read the request, on its selector ({@link SelectorFront}): the edge chain admits them from memory
 * (they are public and exempt from the per-IP limit; only an abuse block refuses), and the answer is
 * the snapshot's own arrays, rendered and gzipped once per refresh ({@link StatusHandlers}), with
 * header fields encoded once per answer. No Javalin context, no servlet layer, no copy of the body,
 * no pool thread.
 *
 * <p>The answers are the Javalin handlers' ({@link StatusHandlers#page} and the others): the same
 * status, headers (content type as Jetty's servlet layer writes it, entity tag and
 * {@code If-None-Match}, Cache-Control, Vary, the security headers of the answer's type, CORS, the
 * request id) and bytes; {@code /status.json} is gzipped when Javalin's own compression would
 * gzip it. {@code StatusInlineTest} compares the two paths request by request. Everything else goes
 * on to Javalin unchanged: HEAD, a request with a body, an encoded or trailing-slash path, the
 * incident pages and the feed, every status route while {@code STATUS_PAGE_ENABLED=false}, and any
 * request before the first snapshot is built.
 */
public final class StatusRoutes implements SelectorFront.Inline {
    private static final HttpField VARY = new PreEncodedHttpField(HttpHeader.VARY, "Accept-Encoding");
    private static final HttpField GZIP = new PreEncodedHttpField(HttpHeader.CONTENT_ENCODING, "gzip");
    private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField NO_CONTENT = new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, "0");
    /** Javalin's default {@code CompressionStrategy}: it gzips a result from this many bytes. */
    static final int JAVALIN_MIN_COMPRESSED_BYTES = 1500;

    /** The routes served here, with what their Javalin handler sets beside the bytes. */
    enum Kind {
        PAGE("/status", StatusHandlers.CACHE, true),
        JSON("/status.json", StatusHandlers.CACHE, false),
        BADGE("/status/badge.svg", StatusHandlers.CACHE, true),
        CSS("/status/style.css", StatusHandlers.CSS_CACHE, true);

        final String path;
        final HttpField cacheControl;
        /** Gzipped when the client's Accept-Encoding mentions gzip, with {@code Vary: Accept-Encoding}. */
        final boolean negotiated;
        final boolean crossOrigin;

        Kind(String path, String cacheControl, boolean negotiated) {
            this.path = path;
            this.cacheControl = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, cacheControl);
            this.negotiated = negotiated;
            this.crossOrigin = SecurityHeaders.crossOrigin(path);
        }
    }

    private final StatusHandlers handlers;
    private final DirectRoute.Shared shared;
    private final LongAdder servedInline = new LongAdder();
    /** Per kind, the header fields of the answer served last (a new snapshot's answer gets new ones). */
    private final Encoded[] encoded = new Encoded[Kind.values().length];

    public StatusRoutes(StatusHandlers handlers, DirectRoute.Shared shared) {
        this.handlers = handlers;
        this.shared = shared;
    }

    /** The paths served here. */
    public static List<String> paths() {
        return java.util.Arrays.stream(Kind.values()).map(k -> k.path).toList();
    }

    /** Requests answered on the selector (refusals included). */
    public long servedInline() {
        return servedInline.sum();
    }

    @Override
    public boolean serveInline(Request request, Response response, Callback callback, DirectRoute.Handoff handoff) {
        if (!"GET".equals(request.getMethod()) || !handlers.enabled()) {
            return false;
        }
        Kind kind = kind(request.getHttpURI().getPath());
        if (kind == null) {
            return false;
        }
        HttpFields headers = request.getHeaders();
        long declared;
        try {
            declared = headers.getLongField(HttpHeader.CONTENT_LENGTH);
        } catch (NumberFormatException e) {
            return false;
        }
        if (declared > 0 || headers.contains(HttpHeader.TRANSFER_ENCODING)) {
            return false; // a GET with a body: Javalin's, which reads it away
        }
        Rendered answer = prepared(kind, request, headers);
        Exchange x = new Exchange(kind, request, response, callback, declared);
        Verdict verdict;
        try {
            verdict = answer == null ? Verdict.HAND_OFF : shared.chain.admit(x, Mode.MEMORY_ONLY);
        } catch (RuntimeException e) {
            verdict = Verdict.HAND_OFF; // the pool's path decides, and answers what is wrong
        }
        if (verdict != Verdict.ADMITTED && verdict != Verdict.REFUSED) {
            handoff.toPool(request, response, callback); // no snapshot yet (building one reads the database)
            return true;
        }
        servedInline.increment();
        if (verdict == Verdict.REFUSED) {
            x.refuse();
        } else {
            x.answer(encoded(kind, answer));
        }
        return true;
    }

    private static Kind kind(String path) {
        if (path == null) {
            return null;
        }
        return switch (path) {
            case "/status" -> Kind.PAGE;
            case "/status.json" -> Kind.JSON;
            case "/status/badge.svg" -> Kind.BADGE;
            case "/status/style.css" -> Kind.CSS;
            default -> null;
        };
    }

    /** The snapshot's answer for the request, or null before the first snapshot. */
    private Rendered prepared(Kind kind, Request request, HttpFields headers) {
        return switch (kind) {
            case PAGE -> handlers.preparedPage();
            case BADGE -> handlers.preparedBadge();
            case CSS -> handlers.preparedStylesheet();
            case JSON -> handlers.preparedJson(request.getHttpURI().getScheme(), headers.get(HttpHeader.HOST));
        };
    }

    /** The header fields of an answer, encoded at its first request and kept while it is the kind's latest. */
    private Encoded encoded(Kind kind, Rendered answer) {
        Encoded e = encoded[kind.ordinal()];
        if (e == null || e.source != answer) {
            e = new Encoded(answer);
            encoded[kind.ordinal()] = e; // immutable: a thread that sees an older one encodes again
        }
        return e;
    }

    /** One answer's fields: Content-Type as Jetty's servlet layer writes it, ETag, the two Content-Lengths. */
    private static final class Encoded {
        final Rendered source;
        final HttpField contentType;
        final boolean page;
        final HttpField etag;
        final HttpField length;
        final HttpField gzippedLength;

        Encoded(Rendered r) {
            this.source = r;
            MimeTypes.Type known = MimeTypes.CACHE.get(r.contentType());
            this.contentType = known != null ? known.getContentTypeField()
                    : new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, r.contentType());
            this.page = r.contentType().regionMatches(true, 0, "text/html", 0, 9);
            this.etag = new PreEncodedHttpField(HttpHeader.ETAG, r.etag());
            this.length = new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, Integer.toString(r.bytes().length));
            this.gzippedLength = r.gzipped() == null ? null
                    : new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, Integer.toString(r.gzipped().length));
        }
    }

    /** Accept-Encoding as {@link StatusHandlers} reads it for the answers it gzips itself. */
    static boolean mentionsGzip(String acceptEncoding) {
        return acceptEncoding != null && acceptEncoding.contains("gzip");
    }

    /** Whether Javalin's default compression gzips a result of {@code length} bytes for this Accept-Encoding. */
    static boolean javalinGzips(int length, String acceptEncoding) {
        if (length < JAVALIN_MIN_COMPRESSED_BYTES || acceptEncoding == null) {
            return false;
        }
        int from = 0;
        while (from <= acceptEncoding.length()) {
            int comma = acceptEncoding.indexOf(',', from);
            int end = comma < 0 ? acceptEncoding.length() : comma;
            if (acceptEncoding.substring(from, end).trim().equalsIgnoreCase("gzip")) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            from = comma + 1;
        }
        return false;
    }

    /**
     * One request: what the edge chain reads of it and decided, and its answer, written on the
     * selector. Once written, the answer leaves its metric and access-log line, and Jetty goes on
     * with the connection right there, unless the client pipelined its next request: then it goes on
     * on a pool thread, so no selector serves one client's requests one after another.
     */
    private final class Exchange extends JettyEdgeRequest implements Callback {
        private final Kind kind;
        private final Callback callback;
        private final long startNanos = System.nanoTime();
        private int status;
        private String errorCode;

        Exchange(Kind kind, Request request, Response response, Callback callback, long declared) {
            super(request, response, declared);
            this.kind = kind;
            this.callback = callback;
        }

        // What the edge chain reads.

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String path() {
            return kind.path;
        }

        @Override
        public String route() {
            return kind.path;
        }

        @Override
        public RouteAccess access() {
            return RouteAccess.PUBLIC;
        }

        /** The prepared answer, in the order the Javalin path sets its headers; 304 when the tag matches. */
        void answer(Encoded e) {
            HttpFields.Mutable out = response.getHeaders();
            out.add(e.contentType);
            out.add(RequestId.HEADER, requestId());
            if (securityHeaders()) {
                shared.securityHeaders.addCacheable(out, e.page, kind.crossOrigin);
            }
            out.add(kind.cacheControl);
            writeHeaders(this);
            out.add(e.etag);
            if (kind.negotiated) {
                out.put(VARY); // replaces CORS's Vary: Origin, as the Javalin handler's header does
            }
            if (e.source.etag().equals(headers.get(HttpHeader.IF_NONE_MATCH))) {
                out.add(NO_CONTENT);
                write(304, null);
                return;
            }
            String acceptEncoding = headers.get(HttpHeader.ACCEPT_ENCODING);
            byte[] body = e.source.bytes();
            if (kind.negotiated ? mentionsGzip(acceptEncoding) : javalinGzips(body.length, acceptEncoding)) {
                out.add(GZIP);
                out.add(e.gzippedLength);
                body = e.source.gzipped();
            } else {
                out.add(e.length);
            }
            write(200, body);
        }

        /** The edge chain's refusal (a blocked client), as the Javalin path's error mapping answers it. */
        void refuse() {
            ApiException e = refusal();
            byte[] body;
            try {
                body = shared.mapper.writeValueAsBytes(ErrorMapping.body(e.code(), e.getMessage(), requestId(),
                        e.details()));
            } catch (Exception x) {
                body = ("{\"error\":\"" + e.code() + "\",\"request_id\":\"" + requestId() + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            errorCode = e.code();
            HttpFields.Mutable out = response.getHeaders();
            out.add(JSON_TYPE);
            out.add(RequestId.HEADER, requestId());
            if (securityHeaders()) {
                shared.securityHeaders.addJson(out, kind.crossOrigin);
            }
            writeHeaders(this);
            e.headers().forEach(out::put);
            out.put(HttpHeader.CONTENT_LENGTH, body.length);
            write(e.status(), body);
        }

        private void write(int status, byte[] body) {
            this.status = status;
            response.setStatus(status);
            response.write(true, body == null ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(body), this);
        }

        /** The answer is written: on the selector, unless the client has pipelined its next request. */
        @Override
        public void succeeded() {
            observe();
            if (JettyInternals.nothingMoreBuffered(request)) {
                callback.succeeded();
                return;
            }
            try {
                request.getComponents().getExecutor().execute(callback::succeeded);
            } catch (RejectedExecutionException e) {
                callback.succeeded();
            }
        }

        /** The answer could not be written (the client went away). */
        @Override
        public void failed(Throwable x) {
            observe();
            callback.failed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        private void observe() {
            shared.observer.observe("GET", kind.path, kind.path, status, (System.nanoTime() - startNanos) / 1_000_000f,
                    requestId(), false, errorCode);
        }
    }
}
