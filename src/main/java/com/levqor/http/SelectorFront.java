package com.levqor.http;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The top of the handler tree, declared non-blocking, so Jetty calls it on the thread that read the
 * request (the selector) instead of handing every request to a pool thread first. A request of a
 * {@link DirectRoute} or of the {@link StatusRoutes} that can be served without blocking is served
 * right there; every other request, and such a request that might block (a key not cached, a
 * Redis-backed rate limit, a status page not built yet), is handed to the pool and goes through the
 * handlers below.
 *
 * <p>What it saves is the hand-off: on two cores, parking and waking Jetty's pool threads took
 * about half of their CPU under intake load. It also drops {@code X-HTTP-Method-Override} from
 * what it hands on: Javalin would route by it, and Levqor's API has no use for it.
 */
final class SelectorFront extends Handler.Wrapper {
    static final String METHOD_OVERRIDE = "X-HTTP-Method-Override";

    /** A route the front may serve on the selector. */
    interface Inline {
        /**
         * Serves the request if it is this route's (now, or through the hand-off when it might block)
         * and returns true; returns false, having done nothing, for any other request.
         */
        boolean serveInline(Request request, Response response, Callback callback, DirectRoute.Handoff handoff);
    }

    private final Inline[] inline;
    private final Executor pool;
    private final DirectRoute.Handoff handoff = this::onPool;

    SelectorFront(List<? extends Inline> inline, Executor pool) {
        this.inline = inline.toArray(new Inline[0]);
        this.pool = pool;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback completion) {
        Callback callback = ReadAway.wrap(request, completion);
        for (Inline route : inline) {
            if (route.serveInline(request, response, callback, handoff)) {
                return true;
            }
        }
        onPool(request, response, callback);
        return true;
    }

    /** Runs the handlers below on a pool thread, where they may block; answers what none of them takes. */
    private void onPool(Request request, Response response, Callback callback) {
        Request handed = ReadAway.keepReadable(withoutMethodOverride(request));
        try {
            pool.execute(() -> {
                try {
                    if (!super.handle(handed, response, callback)) {
                        Response.writeError(handed, response, callback, HttpStatus.NOT_FOUND_404);
                    }
                } catch (Throwable t) {
                    Response.writeError(handed, response, callback, t);
                }
            });
        } catch (RejectedExecutionException e) {
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "server busy");
        }
    }

    /** The request as it is, or, when it carries a method override, a view of it without that header. */
    private static Request withoutMethodOverride(Request request) {
        HttpFields headers = request.getHeaders();
        if (!headers.contains(METHOD_OVERRIDE)) {
            return request;
        }
        HttpFields without = HttpFields.build(headers).remove(METHOD_OVERRIDE).asImmutable();
        return new Request.Wrapper(request) {
            @Override
            public HttpFields getHeaders() {
                return without;
            }
        };
    }
}
