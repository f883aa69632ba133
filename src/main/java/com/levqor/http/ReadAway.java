package com.levqor.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Completes a request only once the rest of its body is read away, for at most {@link #LINGER_MILLIS}.
 *
 * <p>Jetty ends a request whose handler answered without reading the whole body by closing the
 * connection there and then; with bytes still arriving, the kernel answers them with a reset, and a
 * client still sending (one refused 413 for a body over {@code MAX_BODY_BYTES}, or 401 before its
 * upload ended) may lose the answer that was already on its way, seeing a broken connection instead.
 * So the request's completion waits: the answer is sent (and, for a {@code Connection: close}
 * answer, Jetty shuts the output, so the client reads the answer and an end of stream), the rest of
 * the body is read and dropped as it arrives, on no thread (a non-blocking demand), and the request
 * completes at its end (a persistent connection then serves the next request) or when the linger
 * ends, whichever comes first; Jetty closes the connection then.
 *
 * <p>The servlet layer (Javalin's routes) ends an answer it has not committed yet by asking the
 * request to consume what has arrived, and Jetty's own request then marks the body failed for good,
 * so nothing could be read away after the answer: {@link #keepReadable} gives that layer a view of
 * the request whose {@code consumeAvailable} drops what has arrived without failing the body.
 */
final class ReadAway extends Callback.Nested {
    /** How long the rest of a body is read away after the answer before the connection is closed. */
    static final long LINGER_MILLIS = 2_000;
    /** Reads of what has arrived in one {@code consumeAvailable} (Jetty's default for its own). */
    static final int MAX_READS = 16;

    private final Request request;
    private final AtomicBoolean completed = new AtomicBoolean();
    private final Runnable onMore = new OnMore();
    private volatile Scheduler.Task linger;

    private ReadAway(Request request, Callback callback) {
        super(callback);
        this.request = request;
    }

    /** The callback for a request that carries a body; the same callback for one that does not. */
    static Callback wrap(Request request, Callback callback) {
        return hasBody(request) ? new ReadAway(request, callback) : callback;
    }

    /**
     * The request as the servlet layer is to see it: for one that carries a body, a view whose
     * {@code consumeAvailable} reads and drops what has arrived (at most {@link #MAX_READS} reads,
     * as Jetty's does) and says whether the body ended, leaving the rest readable.
     */
    static Request keepReadable(Request request) {
        if (!hasBody(request)) {
            return request;
        }
        return new Request.Wrapper(request) {
            @Override
            public boolean consumeAvailable() {
                for (int i = 0; i < MAX_READS; i++) {
                    Content.Chunk chunk = getWrapped().read();
                    if (chunk == null) {
                        return false;
                    }
                    chunk.release();
                    if (chunk.isLast() || Content.Chunk.isFailure(chunk)) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    private static boolean hasBody(Request request) {
        HttpFields h = request.getHeaders();
        return h.contains(HttpHeader.CONTENT_LENGTH) || h.contains(HttpHeader.TRANSFER_ENCODING);
    }

    /** The answer is written: complete now when the body was read to its end, else read away the rest first. */
    @Override
    public void succeeded() {
        if (readToEnd()) {
            complete();
            return;
        }
        linger = request.getComponents().getScheduler().schedule(this::complete, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        request.demand(onMore);
    }

    /** Reads and drops what has arrived; true at the end of the body (or when reading it failed). */
    private boolean readToEnd() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                return false;
            }
            chunk.release();
            if (chunk.isLast() || Content.Chunk.isFailure(chunk)) {
                return true;
            }
        }
    }

    /**
     * Completes the request once. Completed while a demand is still pending (the linger ended
     * first), Jetty closes the connection.
     */
    private void complete() {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        Scheduler.Task task = linger;
        if (task != null) {
            task.cancel();
        }
        super.succeeded();
    }

    /** More of the body arrived: drop it, on the thread that read it, and wait for more unless it ended. */
    private final class OnMore implements Runnable, Invocable {
        @Override
        public void run() {
            if (completed.get()) {
                return;
            }
            if (readToEnd()) {
                complete();
            } else {
                request.demand(this);
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
