package com.levqor.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.accounts.Caller;
import com.levqor.http.filters.AbuseGuard;
import com.levqor.http.filters.Authentication;
import com.levqor.http.filters.EdgeGuards;
import com.levqor.ops.ErrorReporter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
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
import org.eclipse.jetty.util.BufferUtil;
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

    private final String method;
    private final String path;
    private final Shared shared;
    private final LongAdder served = new LongAdder();

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

    /**
     * Serves a request that passed authentication and whose body is a JSON object. Answer through
     * the exchange, now or later from any thread; an exception thrown here is answered like
     * Javalin's exception mapping would ({@link ApiException} as itself, anything else a reported 500).
     */
    protected abstract void serve(Exchange exchange) throws Exception;

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!method.equals(request.getMethod()) || !path.equals(Request.getPathInContext(request))) {
            return super.handle(request, response, callback);
        }
        HttpFields headers = request.getHeaders();
        long length;
        try {
            length = headers.getLongField(HttpHeader.CONTENT_LENGTH);
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length < 0 || length > shared.maxBodyBytes() || headers.contains(HttpHeader.ORIGIN)) {
            return super.handle(request, response, callback); // chunked, oversized or cross-origin: Javalin's filters
        }
        String authorization = headers.get(HttpHeader.AUTHORIZATION);
        EdgeGuards edge = shared.edge();
        String ip = null;
        if (edge.abuseGuard().enabled()) {
            ip = clientIp(request);
            if (edge.abuseGuard().refuses(ip, authorization)) {
                return super.handle(request, response, callback); // Javalin's filter answers 403
            }
        }
        Optional<Caller> caller = shared.authentication().apiKeyCaller(headers.get("X-Api-Key"), authorization);
        if (caller.isEmpty()) {
            return super.handle(request, response, callback); // Javalin says what is wrong and counts the failure
        }
        served.increment();
        Exchange exchange = new Exchange(request, response, callback, caller.get());
        try {
            try {
                exchange.limitHeaders = edge.rateLimiting().perKey(caller.get());
            } catch (ApiException limited) {
                // Read the unread body away, as the servlet layer does, so the connection stays open for the retry.
                try {
                    Content.Source.consumeAll(request);
                } catch (IOException | RuntimeException ignored) {
                    // the client went away: nothing to keep open
                }
                throw limited;
            }
            ByteBuffer body;
            try {
                body = Content.Source.asByteBuffer(request);
            } catch (IOException | RuntimeException e) {
                exchange.fail(unreadable(e, ip == null ? clientIp(request) : ip));
                return true;
            }
            exchange.body = shared.json().parse(BufferUtil.toArray(body), headers.get(HttpHeader.CONTENT_TYPE), false);
            serve(exchange);
        } catch (Throwable t) {
            exchange.fail(t);
        }
        return true;
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
