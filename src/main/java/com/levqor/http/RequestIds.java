package com.levqor.http;

import com.levqor.edge.RequestId;
import io.javalin.http.Context;

/**
 * The request id of a Javalin request ({@link RequestId} chooses it): kept with the request and
 * answered as {@code X-Request-Id}.
 */
final class RequestIds {
    static final String HEADER = RequestId.HEADER;
    private static final String ATTRIBUTE = "levqor.request_id";

    private RequestIds() {
    }

    /** The request's id, chosen now when the edge chain has not given it one (Javalin's own early errors). */
    static String of(Context ctx) {
        String existing = ctx.attribute(ATTRIBUTE);
        return existing != null ? existing : set(ctx, RequestId.choose(ctx.header(HEADER)));
    }

    /** The id given so far, or null. */
    static String assigned(Context ctx) {
        return ctx.attribute(ATTRIBUTE);
    }

    static String set(Context ctx, String id) {
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
        return id;
    }
}
