package com.levqor.http;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The top of the handler tree, declared non-blocking, so Jetty calls it on the thread that read the
 * request (the selector) instead of handing every request to a pool thread first. A request of a
 * {@link DirectRoute} that can be served without blocking is served right there; every other
 * request, and a direct route's request that might block (a key not cached, a Redis-backed rate
 * limit), is handed to the pool and goes through the handlers below exactly as before.
 *
 * <p>What it saves is the hand-off: on two cores, parking and waking Jetty's pool threads took
 * about half of their CPU under intake load.
 */
final class SelectorFront extends Handler.Wrapper {
    private static final Logger log = LoggerFactory.getLogger(SelectorFront.class);

    private final List<DirectRoute> direct;
    private final Executor pool;
    private final DirectRoute.Handoff handoff = new DirectRoute.Handoff() {
        @Override
        public void toPool(Request request, Response response, Callback callback) {
            onPool(request, response, callback);
        }

        @Override
        public void execute(Runnable task) {
            pool.execute(task);
        }
    };

    SelectorFront(List<DirectRoute> direct, Executor pool) {
        this.direct = List.copyOf(direct);
        this.pool = pool;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        for (DirectRoute route : direct) {
            if (route.claims(request)) {
                route.handleInline(request, response, callback, handoff);
                return true;
            }
        }
        onPool(request, response, callback);
        return true;
    }

    /**
     * Jetty's pool for a server whose top handler is a {@link SelectorFront}. When an answer
     * completes after its handler returned (a direct route's answer from an intake writer, a Javalin
     * route's on a pool thread), Jetty resumes the connection, to read its next request or wait for
     * one, by handing it to this pool; it runs right on the completing thread instead. That is safe
     * because it cannot block: the request it may read goes to the front, which hands whatever may
     * block back to this pool. It spares a pool thread's wake-up per request.
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

    /** Runs the handlers below on a pool thread, where they may block; answers what none of them takes. */
    private void onPool(Request request, Response response, Callback callback) {
        try {
            pool.execute(() -> {
                try {
                    if (!super.handle(request, response, callback)) {
                        Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                    }
                } catch (Throwable t) {
                    Response.writeError(request, response, callback, t);
                }
            });
        } catch (RejectedExecutionException e) {
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "server busy");
        }
    }
}
