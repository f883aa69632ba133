package com.levqor.http;

import com.levqor.edge.RequestId;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletApiResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every place Levqor reaches into Jetty's internals or its less obvious hooks, in one file: the
 * thread pool that resumes connections on the completing thread, the Jetty headers behind a
 * servlet response, and Jetty's own error answers.
 */
final class JettyInternals {
    private static final Logger log = LoggerFactory.getLogger(JettyInternals.class);

    private JettyInternals() {
    }

    /**
     * Jetty's pool for a server whose top handler is a {@link SelectorFront}. When an answer
     * completes after its handler returned (a direct route's answer from an intake writer, a Javalin
     * route's on a pool thread), Jetty resumes the connection, to read its next request or wait for
     * one, by handing it to this pool; it runs right on the completing thread instead. That is safe
     * because it cannot block: the request it may read goes to the front, which hands whatever may
     * block back to this pool, and a direct route completes an answer it gave synchronously through
     * this pool (see {@link DirectRoute}), so no thread serves a connection's pipelined requests one
     * after another. It spares a pool thread's wake-up per request.
     */
    static QueuedThreadPool pool(int maxThreads, int minThreads, int idleTimeoutMillis) {
        return new QueuedThreadPool(maxThreads, minThreads, idleTimeoutMillis) {
            @Override
            public void execute(Runnable job) {
                if (job instanceof HttpConnection) {
                    try {
                        job.run();
                    } catch (Throwable t) {
                        log.warn("Resuming a connection after its answer failed", t);
                    }
                    return;
                }
                super.execute(job);
            }
        };
    }

    /**
     * Whether the request's connection holds no bytes of a further request yet (false for a
     * pipelining client whose next request arrived with this one): an answer completed on the
     * selector then lets Jetty go on with that connection there, which only waits for more bytes.
     */
    static boolean nothingMoreBuffered(Request request) {
        return request.getConnectionMetaData().getConnection() instanceof HttpConnection c && c.isRequestBufferEmpty();
    }

    /** The Jetty headers behind a servlet response (what {@code setHeader} writes to), or null. */
    static HttpFields.Mutable headers(HttpServletResponse res) {
        return res instanceof ServletApiResponse api ? api.getResponse().getHeaders() : null;
    }

    /**
     * Errors Jetty answers itself, before any handler sees the request (a malformed request line,
     * headers too large, a bad URI): the same JSON shape as every other error instead of an HTML
     * page, with the security headers when they are on.
     */
    static ErrorHandler errorHandler(SecurityHeaderFields securityHeaders) {
        return new ErrorHandler() {
            @Override
            protected void generateResponse(Request request, Response response, int code, String message,
                                            Throwable cause, Callback callback) throws IOException {
                String id = RequestId.random().toString();
                String text = message == null || message.isBlank() ? "The request could not be processed." : message;
                String body = "{\"error\":\"http_" + code + "\",\"message\":\"" + jsonEscape(text)
                        + "\",\"request_id\":\"" + id + "\"}";
                HttpFields.Mutable h = response.getHeaders();
                securityHeaders.putJson(h);
                h.put(HttpHeader.CONTENT_TYPE, "application/json");
                h.put(RequestId.HEADER, id);
                response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
            }
        };
    }

    private static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
