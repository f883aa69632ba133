package com.levqor.http;

import io.javalin.http.Context;

/** Told of every failed authentication (bad API key, bad admin key); the abuse guards count them. */
@FunctionalInterface
public interface AuthFailures {
    AuthFailures NONE = (ctx, kind) -> { };

    /** @param kind {@code api_key} or {@code admin_key} */
    void failed(Context ctx, String kind);
}
