package com.levqor.http;

import io.javalin.http.Context;
import java.util.UUID;
import java.util.regex.Pattern;

/** Every response carries {@code X-Request-Id}: the caller's when it is sane, a new one otherwise. */
public final class RequestIds {
    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = "levqor.request_id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private RequestIds() {
    }

    /** Assigns the request its id (idempotent) and sets the response header. */
    public static String assign(Context ctx) {
        String existing = ctx.attribute(ATTRIBUTE);
        if (existing != null) {
            return existing;
        }
        String incoming = ctx.header(HEADER);
        String id = incoming != null && SANE.matcher(incoming).matches() ? incoming : UUID.randomUUID().toString();
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
        return id;
    }

    public static String of(Context ctx) {
        return assign(ctx);
    }
}
