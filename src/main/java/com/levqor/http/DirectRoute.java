package com.levqor.http;

import com.levqor.api.JsonBody;

import com.levqor.api.ApiException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.accounts.Caller;
import com.levqor.http.filters.AbuseGuard;
import com.levqor.http.filters.Authentication;
import com.levqor.http.filters.EdgeGuards;
import com.levqor.ops.ErrorReporter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
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
 * One hot API-key route served on Jetty's core API, in front of Javalin, for the requests that
 * carry a live API key and a declared body within {@code MAX_BODY_BYTES}, from an IP that is not
 * blocked, with no CORS origin. Every other request, including each that fails authentication, goes
 * on to Javalin unchanged, whose filters answer and count it. What it answers is what the Javalin
 * route answers, filters included: the request id, security headers, the per-key rate limit and its
 * headers, the slow-body cut-off, JSON bodies and error shapes, metrics, access-log line and error
 * reports. It saves Javalin's and the servlet layer's per-request work, and its answer may be
 * written later from another thread (see {@link Exchange}), so the request thread does not wait
 * for a commit.
 */
public abstract class DirectRoute extends Handler.Wrapper {
    private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");

    /** What a direct route shares with the Javalin server. */
    public record Shared(long maxBodyBytes, Authentication authentication, JsonBody json, ObjectMapper mapper,
                         EdgeGuards edge, RequestObserver observer, ErrorReporter reporter) {
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

    /**
     * Serves a request that passed authentication and whose body is a JSON object. Answer through
     * the exchange, now or later from any thread; an exception thrown here is answered like
     * Javalin's exception mapping would ({@link ApiException} as itself, anything else a reported 500).
     */
    protected abstract void serve(Exchange exchange) throws Exception;

    /** Where the inline path sends what may block (see {@link SelectorFront}). */
    interface Handoff extends Executor {
        /** Runs the rest of the handler tree for the request on a thread that may block. */
        void toPool(Request request, Response response, Callback callback);
    }

    /** Whether a request is this route's: its method and path. */
    final boolean claims(Request request) {
        return method.equals(request.getMethod()) && path.equals(Request.getPathInContext(request));
    }

    /** Serves this route's request on a thread that may block, or passes any other on. */
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!claims(request)) {
            return super.handle(request, response, callback);
        }
        String ip = clientIpIfGuarded(request);
        Optional<Caller> caller = admit(request, ip, null);
        if (caller.isEmpty()) {
            return super.handle(request, response, callback); // Javalin's filters answer and count it
        }
        Exchange exchange = exchange(request, response, callback, caller.get(), false);
        try {
            readAndServe(exchange, shared.edge().rateLimiting().perKey(caller.get()), ip);
        } catch (ApiException limited) {
            refuse(exchange, limited);
        } catch (Throwable t) {
            exchange.fail(t);
        }
        return true;
    }

    /**
     * Serves this route's request on a thread that must not block (Jetty's selector): authentication
     * from the key cache, the rate limit from local buckets, the body as it arrives. When any of them
     * would need the database or Redis (a key not cached, shared buckets, no copy of the abuse
     * blocks), the body is declared over {@link #INLINE_MAX_BODY_BYTES}, or the request goes on to
     * Javalin anyway, the request is handed to the pool whole.
     */
    final void handleInline(Request request, Response response, Callback callback, Handoff handoff) {
        if (declaredLength(request.getHeaders()) > INLINE_MAX_BODY_BYTES) {
            handoff.toPool(request, response, callback); // parsing it would hold the selector up
            return;
        }
        String ip;
        Optional<Caller> caller;
        try {
            ip = clientIpIfGuarded(request);
            caller = admit(request, ip, handoff);
        } catch (RuntimeException e) {
            ip = null;
            caller = Optional.empty();
        }
        Map<String, String> limits = null;
        if (caller.isPresent()) {
            try {
                limits = shared.edge().rateLimiting().perKeyFromMemory(caller.get());
            } catch (ApiException limited) {
                refuse(exchange(request, response, callback, caller.get(), true), limited);
                return;
            }
        }
        if (limits == null) {
            handoff.toPool(request, response, callback); // the pool's path decides, or Javalin says what is wrong
            return;
        }
        readAndServe(exchange(request, response, callback, caller.get(), true), limits, ip);
    }

    private Exchange exchange(Request request, Response response, Callback callback, Caller caller, boolean inline) {
        served.increment();
        if (inline) {
            servedInline.increment();
        }
        return new Exchange(request, response, callback, caller);
    }

    /** A 429, after reading the unread body away as the servlet layer does, so the connection stays open for the retry. */
    private static void refuse(Exchange exchange, ApiException limited) {
        Content.Source.consumeAll(exchange.request, Callback.from(() -> exchange.fail(limited),
                x -> exchange.fail(limited)));
    }

    /** Reads the body as it arrives (on no thread in the meantime) and serves the request once it is whole. */
    private void readAndServe(Exchange exchange, Map<String, String> limits, String ip) {
        exchange.limitHeaders = limits;
        new BodyReader(exchange.request, shared.edge().minRequestDataRate(), body -> {
            try {
                exchange.body = shared.json().parse(body, exchange.request.getHeaders().get(HttpHeader.CONTENT_TYPE),
                        false);
                serve(exchange);
            } catch (Throwable t) {
                exchange.fail(t);
            }
        }, failure -> exchange.fail(unreadable(failure, ip == null ? clientIp(exchange.request) : ip))).run();
    }

    /**
     * Reads a body chunk by chunk, asking Jetty to call back when more arrives instead of waiting
     * for it, and holds it to the minimum data rate (MIN_REQUEST_DATA_RATE) as Jetty's servlet layer
     * does for Javalin's routes: fewer bytes than the rate times the time since the first byte fails
     * it with a 408.
     */
    private static final class BodyReader implements Runnable {
        private final Request request;
        private final long minBytesPerSecond;
        private final Consumer<byte[]> whole;
        private final Consumer<Throwable> failed;
        private byte[] bytes;
        private int filled;
        private long firstByteNanos;

        BodyReader(Request request, long minBytesPerSecond, Consumer<byte[]> whole,
                   Consumer<Throwable> failed) {
            this.request = request;
            this.minBytesPerSecond = minBytesPerSecond;
            this.whole = whole;
            this.failed = failed;
            this.bytes = new byte[(int) Math.max(0, declaredLength(request.getHeaders()))];
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    failed.accept(chunk.getFailure());
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
                    whole.accept(filled == bytes.length ? bytes : Arrays.copyOf(bytes, filled));
                    return;
                }
                if (tooSlow()) {
                    failed.accept(new BadMessageException(408, "Request content data rate < " + minBytesPerSecond));
                    return;
                }
            }
        }

        private boolean tooSlow() {
            if (minBytesPerSecond <= 0 || firstByteNanos == 0) {
                return false;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstByteNanos);
            return filled < minBytesPerSecond * millis / 1000;
        }
    }

    /**
     * The caller of a request this route may serve itself, or empty to pass it on: a declared body
     * within the cap, no CORS origin, not from a blocked IP, a live API key. With an {@code inline}
     * executor (the caller must not block), only what memory can answer: empty also when the
     * database would have to be asked; what is stale is refreshed on that executor.
     */
    private Optional<Caller> admit(Request request, String ip, Executor inline) {
        HttpFields headers = request.getHeaders();
        long length = declaredLength(headers);
        if (length < 0 || length > shared.maxBodyBytes() || headers.contains(HttpHeader.ORIGIN)) {
            return Optional.empty(); // chunked, oversized or cross-origin: Javalin's filters
        }
        String authorization = headers.get(HttpHeader.AUTHORIZATION);
        AbuseGuard guard = shared.edge().abuseGuard();
        if (ip != null) {
            Boolean refused = inline == null ? guard.refuses(ip, authorization)
                    : guard.refusesFromMemory(ip, authorization, inline);
            if (refused == null || refused) {
                return Optional.empty(); // Javalin's filter answers 403
            }
        }
        Authentication authentication = shared.authentication();
        return inline == null ? authentication.apiKeyCaller(headers.get("X-Api-Key"), authorization)
                : authentication.apiKeyCallerFromMemory(headers.get("X-Api-Key"), authorization);
    }

    /** The declared Content-Length, or -1 when there is none (chunked) or it is not a number. */
    private static long declaredLength(HttpFields headers) {
        try {
            return headers.getLongField(HttpHeader.CONTENT_LENGTH);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String clientIpIfGuarded(Request request) {
        return shared.edge().abuseGuard().enabled() ? clientIp(request) : null;
    }

    private String clientIp(Request request) {
        return shared.edge().clientIp().of(Request.getRemoteAddr(request),
                request.getHeaders().getValuesList("X-Forwarded-For"));
    }

    /** A body Jetty refused while it was read (too slow, broken) or the client dropped. */
    private ApiException unreadable(Throwable e, String ip) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof BadMessageException bad) {
                return AbuseGuard.refusedBody(bad, method, path, ip);
            }
        }
        return new ApiException(400, "bad_request", "The request body could not be read: " + e.getMessage() + ".",
                Map.of(), Map.of("Connection", "close"));
    }

    /**
     * One request of a direct route, answered exactly once: {@link #answer} or {@link #fail}, from
     * any thread. The answer carries the request id, the security headers and the JSON body, and
     * leaves the metric and access-log line once written.
     */
    public final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Caller caller;
        private final String requestId;
        private final long startNanos = System.nanoTime();
        private final AtomicBoolean answered = new AtomicBoolean();
        private ObjectNode body;
        private Map<String, String> limitHeaders = Map.of();

        private Exchange(Request request, Response response, Callback callback, Caller caller) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.caller = caller;
            this.requestId = RequestIds.choose(request.getHeaders().get(RequestIds.HEADER));
        }

        public Caller caller() {
            return caller;
        }

        /** The request body, a JSON object. */
        public ObjectNode body() {
            return body;
        }

        /** A request header, or null. */
        public String header(String name) {
            return request.getHeaders().get(name);
        }

        /** Answers with a JSON body and, optionally, one more header (null name: none). */
        public void answer(int status, Object json, String headerName, String headerValue) {
            byte[] bytes;
            try {
                bytes = shared.mapper().writeValueAsBytes(json);
            } catch (Exception e) {
                fail(e);
                return;
            }
            answerJson(status, bytes, headerName, headerValue);
        }

        /** Answers with a body that is JSON already (UTF-8) and, optionally, one more header. */
        public void answerJson(int status, byte[] json, String headerName, String headerValue) {
            send(status, json, headerName == null ? Map.of() : Map.of(headerName, headerValue), false);
        }

        /** Answers a failure: an {@link ApiException} as itself, anything else as a reported 500. */
        public void fail(Throwable t) {
            if (answered.get()) {
                return;
            }
            boolean reported = false;
            ApiException e;
            if (t instanceof ApiException api) {
                e = api;
            } else {
                e = ErrorMapping.reportUnhandled(shared.reporter(), requestId, method, path, t);
                reported = true;
            }
            byte[] bytes;
            try {
                bytes = shared.mapper().writeValueAsBytes(ErrorMapping.body(e.code(), e.getMessage(), requestId,
                        e.details()));
            } catch (Exception x) {
                bytes = ("{\"error\":\"internal_error\",\"request_id\":\"" + requestId + "\"}").getBytes(
                        java.nio.charset.StandardCharsets.UTF_8);
            }
            send(e.status(), bytes, e.headers(), reported);
        }

        private void send(int status, byte[] bytes, Map<String, String> extra, boolean reported) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            HttpFields.Mutable h = response.getHeaders();
            h.add(JSON_TYPE);
            h.add(RequestIds.HEADER, requestId);
            shared.edge().securityHeaders().addJsonAnswerHeaders(h);
            limitHeaders.forEach(h::put);
            extra.forEach(h::put);
            h.put(HttpHeader.CONTENT_LENGTH, bytes.length);
            response.setStatus(status);
            response.write(true, ByteBuffer.wrap(bytes), Callback.from(() -> {
                observe(status, reported);
                callback.succeeded();
            }, x -> {
                observe(status, reported);
                callback.failed(x);
            }));
        }

        private void observe(int status, boolean reported) {
            shared.observer().observe(method, path, path, status, (System.nanoTime() - startNanos) / 1_000_000f,
                    requestId, reported);
        }
    }
}
