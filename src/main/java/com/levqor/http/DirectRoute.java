package com.levqor.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.api.ApiException;
import com.levqor.api.JsonBody;
import com.levqor.edge.BodyLimits;
import com.levqor.edge.EdgeChain;
import com.levqor.edge.Mode;
import com.levqor.edge.RequestId;
import com.levqor.edge.RouteAccess;
import com.levqor.edge.Verdict;
import com.levqor.ops.ErrorReporter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One hot API-key route served on Jetty's core API, in front of Javalin: the Jetty adapter of the
 * {@link EdgeChain}, as the Javalin filters are Javalin's ({@link EdgeFilters}). Every request of
 * its method and path with a declared length is admitted by the chain and answered here, refusals
 * included; only a body without a declared length (chunked) goes on to the Javalin route of the
 * same path. It saves Javalin's and the servlet layer's per-request work, and its answer may be
 * written later from another thread (see {@link Exchange}), so the request thread does not wait
 * for a commit.
 */
public abstract class DirectRoute extends Handler.Wrapper implements SelectorFront.Inline {
    private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");

    /** What a direct route shares with the Javalin server. */
    public static final class Shared {
        final EdgeChain chain;
        final SecurityHeaderFields securityHeaders;
        private final JsonBody json;
        final ObjectMapper mapper;
        final RequestObserver observer;
        private final ErrorReporter reporter;
        private final BytesInFlight bytesInFlight;

        Shared(EdgeChain chain, SecurityHeaderFields securityHeaders, JsonBody json, ObjectMapper mapper,
               RequestObserver observer, ErrorReporter reporter, BytesInFlight bytesInFlight) {
            this.chain = chain;
            this.securityHeaders = securityHeaders;
            this.json = json;
            this.mapper = mapper;
            this.observer = observer;
            this.reporter = reporter;
            this.bytesInFlight = bytesInFlight;
        }
    }

    /** Bodies declared longer than this are read and parsed on a pool thread, not on the selector. */
    static final long INLINE_MAX_BODY_BYTES = 64 * 1024;

    private final String method;
    private final String path;
    private final Shared shared;
    private final LongAdder served = new LongAdder();
    private final LongAdder servedInline = new LongAdder();

    protected DirectRoute(String method, String path, Shared shared) {
        this.method = method;
        this.path = path;
        this.shared = shared;
    }

    /** The HTTP method it serves. */
    public String method() {
        return method;
    }

    /** The route template, as Javalin registers it. */
    public String path() {
        return path;
    }

    /** Requests this route answered itself (the rest went on to Javalin). */
    public long served() {
        return served.sum();
    }

    /** Of {@link #served}, those served where Jetty read them, without a pool thread (see {@link SelectorFront}). */
    public long servedInline() {
        return servedInline.sum();
    }

    /** Bytes of bodies held now ({@code INTAKE_MAX_BYTES_IN_FLIGHT} bounds them). */
    long bytesInFlight() {
        return shared.bytesInFlight.held();
    }

    /**
     * Serves a request that the chain admitted and whose body is a JSON object. Answer through the
     * exchange, now or later from any thread; an exception thrown here is answered like Javalin's
     * exception mapping would ({@link ApiException} as itself, anything else a reported 500).
     */
    protected abstract void serve(Exchange exchange) throws Exception;

    /** Where the inline path sends what may block (see {@link SelectorFront}). */
    interface Handoff {
        /** Runs the rest of the handler tree for the request on a thread that may block. */
        void toPool(Request request, Response response, Callback callback);
    }

    /** Whether a request is this route's: its method and path. */
    final boolean claims(Request request) {
        return method.equals(request.getMethod()) && path.equals(Request.getPathInContext(request));
    }

    @Override
    public final boolean serveInline(Request request, Response response, Callback callback, Handoff handoff) {
        if (!claims(request)) {
            return false;
        }
        handleInline(request, response, callback, handoff);
        return true;
    }

    /** Serves this route's request on a thread that may block, or passes any other on. */
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long declared = claims(request) ? declaredLength(request.getHeaders()) : -1;
        if (declared < 0) {
            return super.handle(request, response, callback); // not ours, or chunked: Javalin's route
        }
        Exchange exchange = new Exchange(request, response, callback, declared);
        Verdict verdict;
        try {
            verdict = shared.chain.admit(exchange, Mode.MAY_BLOCK);
        } catch (Throwable t) {
            served.increment();
            exchange.fail(t);
            return true;
        }
        if (verdict != Verdict.ADMITTED && verdict != Verdict.REFUSED) {
            return super.handle(request, response, callback);
        }
        served.increment();
        exchange.admitted(verdict);
        return true;
    }

    /**
     * Serves this route's request on a thread that must not block (Jetty's selector, or the intake
     * writer that resumed the connection): admitted from memory only ({@link Mode#MEMORY_ONLY}),
     * the body read as it arrives. When the chain would need the database or Redis, the body is
     * chunked or declared over {@link #INLINE_MAX_BODY_BYTES}, the request is handed to the pool
     * whole, where {@link #handle} admits it again.
     */
    final void handleInline(Request request, Response response, Callback callback, Handoff handoff) {
        long declared = declaredLength(request.getHeaders());
        if (declared < 0 || declared > INLINE_MAX_BODY_BYTES) {
            handoff.toPool(request, response, callback); // parsing it would hold the selector up
            return;
        }
        Exchange exchange = new Exchange(request, response, callback, declared);
        Verdict verdict;
        try {
            verdict = shared.chain.admit(exchange, Mode.MEMORY_ONLY);
        } catch (RuntimeException e) {
            verdict = Verdict.HAND_OFF; // the pool's path decides, and answers what is wrong
        }
        if (verdict != Verdict.ADMITTED && verdict != Verdict.REFUSED) {
            handoff.toPool(request, response, callback);
            return;
        }
        served.increment();
        servedInline.increment();
        exchange.admitted(verdict);
    }

    /** The declared Content-Length, or -1 when there is none (chunked) or it is not a number. */
    private static long declaredLength(HttpFields headers) {
        try {
            return headers.getLongField(HttpHeader.CONTENT_LENGTH);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * One request of a direct route: what the edge chain reads of it and decided, its body (read as
     * it arrives, on no thread in the meantime, and held to the minimum data rate as Jetty's servlet
     * layer holds Javalin's routes), and its answer, written exactly once ({@link #answer} or
     * {@link #fail}) from any thread. The answer carries the request id, the security headers, the
     * guards' headers and the JSON body, and leaves the metric and access-log line once written.
     *
     * <p>An answer given while the request is being served on the thread that received it (a
     * refusal, a bad body, an answer known at once) completes on a pool thread: Jetty then reads the
     * connection's next request there, so no thread serves a pipelining client's requests one after
     * another. Only the application's later answer (an intake writer's) completes where it is given.
     */
    public final class Exchange extends JettyEdgeRequest implements Runnable, Callback {
        private final Callback callback;
        private final long startNanos = System.nanoTime();
        private final AtomicBoolean answered = new AtomicBoolean();
        private ObjectNode body;
        private byte[] bytes;
        private int filled;
        private long firstByteNanos;
        private long reserved;
        private Thread servingThread;
        private int status;
        private boolean reported;
        private String errorCode;
        private boolean resumeHere;

        private Exchange(Request request, Response response, Callback callback, long declared) {
            super(request, response, declared);
            this.callback = callback;
        }

        // What the edge chain reads.

        @Override
        public String method() {
            return method;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String route() {
            return path;
        }

        @Override
        public RouteAccess access() {
            return RouteAccess.API_KEY;
        }

        // What the route reads.

        /** The request body, a JSON object. */
        public ObjectNode body() {
            return body;
        }

        /** A request header, or null. */
        public String header(String name) {
            return headers.get(name);
        }

        /** The chain's decision carried out: the refusal answered, or the body read and the request served. */
        private void admitted(Verdict verdict) {
            if (verdict == Verdict.REFUSED) {
                refuse(refusal());
                return;
            }
            if (!shared.bytesInFlight.reserve(declared)) {
                refuse(shared.bytesInFlight.busy());
                return;
            }
            reserved = declared;
            bytes = new byte[(int) declared];
            run();
        }

        /**
         * A refusal. One that closes the connection is answered at once, its body left unread (the
         * rest is read away after the answer, on no thread, for a short linger: {@link ReadAway});
         * any other after reading the unread body away, so the connection stays open for the retry.
         */
        private void refuse(ApiException e) {
            if ("close".equals(e.headers().get("Connection"))) {
                fail(e);
                return;
            }
            Content.Source.consumeAll(request, Callback.from(() -> fail(e), x -> fail(e)));
        }

        /** Reads what has arrived of the body; asks Jetty to call again when more does; serves it once whole. */
        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    fail(unreadable(chunk.getFailure()));
                    return;
                }
                ByteBuffer b = chunk.getByteBuffer();
                int n = b.remaining();
                if (n > 0) {
                    if (filled + n > bytes.length) {
                        bytes = Arrays.copyOf(bytes, filled + n);
                    }
                    b.get(bytes, filled, n);
                    filled += n;
                    if (firstByteNanos == 0) {
                        firstByteNanos = System.nanoTime();
                    }
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    whole(filled == bytes.length ? bytes : Arrays.copyOf(bytes, filled));
                    return;
                }
                BodyLimits limits = shared.chain.bodyLimits();
                if (firstByteNanos != 0 && limits.tooSlow(filled,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstByteNanos))) {
                    fail(BodyLimits.unreadable(408, "Request content data rate < " + limits.minBytesPerSecond(),
                            method, path, shared.chain.clientIp().of(this)));
                    return;
                }
            }
        }

        private void whole(byte[] content) {
            bytes = null;
            try {
                body = shared.json.parse(content, headers.get(HttpHeader.CONTENT_TYPE), false);
                servingThread = Thread.currentThread();
                try {
                    serve(this);
                } finally {
                    servingThread = null;
                }
            } catch (Throwable t) {
                fail(t);
            }
        }

        /** A body Jetty refused while it was read (broken) or the client dropped. */
        private ApiException unreadable(Throwable e) {
            for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof BadMessageException bad) {
                    return BodyLimits.unreadable(bad.getCode(), bad.getReason(), method, path,
                            shared.chain.clientIp().of(this));
                }
            }
            return new ApiException(400, "bad_request", "The request body could not be read: " + e.getMessage() + ".",
                    Map.of(), Map.of("Connection", "close"));
        }

        /** Answers with a JSON body and, optionally, one more header (null name: none). */
        public void answer(int status, Object json, String headerName, String headerValue) {
            byte[] out;
            try {
                out = shared.mapper.writeValueAsBytes(json);
            } catch (Exception e) {
                fail(e);
                return;
            }
            answerJson(status, out, headerName, headerValue);
        }

        /** Answers with a body that is JSON already (UTF-8) and, optionally, one more header. */
        public void answerJson(int status, byte[] json, String headerName, String headerValue) {
            send(status, json, headerName, headerValue, null, Thread.currentThread() != servingThread);
        }

        /**
         * Answers a failure: an {@link ApiException} as itself, anything else as {@link ErrorMapping#answerFor}
         * says (a reported 500, or a 503 when the database failed).
         */
        public void fail(Throwable t) {
            if (answered.get()) {
                return;
            }
            String requestId = id();
            ApiException e;
            if (t instanceof ApiException api) {
                e = api;
            } else {
                e = ErrorMapping.answerFor(shared.reporter, requestId, method, path, t);
                reported = ErrorMapping.reportedAlready(e);
            }
            byte[] out;
            try {
                out = shared.mapper.writeValueAsBytes(ErrorMapping.body(e.code(), e.getMessage(), requestId,
                        e.details()));
            } catch (Exception x) {
                out = ("{\"error\":\"internal_error\",\"request_id\":\"" + requestId + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            errorCode = e.code();
            send(e.status(), out, null, null, e.headers(), false);
        }

        private String id() {
            String id = requestId();
            return id != null ? id : RequestId.choose(null);
        }

        private void send(int status, byte[] out, String headerName, String headerValue, Map<String, String> extra,
                          boolean resumeHere) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            shared.bytesInFlight.release(reserved);
            this.status = status;
            this.resumeHere = resumeHere;
            HttpFields.Mutable h = response.getHeaders();
            h.add(JSON_TYPE);
            h.add(RequestId.HEADER, id());
            if (securityHeaders()) {
                shared.securityHeaders.addJson(h);
            }
            writeHeaders(this);
            if (headerName != null) {
                h.put(headerName, headerValue);
            }
            if (extra != null) {
                extra.forEach(h::put);
            }
            h.put(HttpHeader.CONTENT_LENGTH, out.length);
            response.setStatus(status);
            response.write(true, ByteBuffer.wrap(out), this);
        }

        /** The answer is written. */
        @Override
        public void succeeded() {
            observe();
            if (resumeHere) {
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
            return InvocationType.BLOCKING;
        }

        private void observe() {
            shared.observer.observe(method, path, path, status, (System.nanoTime() - startNanos) / 1_000_000f, id(),
                    reported, errorCode);
        }
    }
}
