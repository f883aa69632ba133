package com.levqor.api;

import io.javalin.http.Context;
import java.util.Map;

/** Typed query parameters with the same 400 answer everywhere. */
public final class QueryParams {
    private QueryParams() {
    }

    /**
     * A whole number from 1 to {@code max}, or {@code def} when absent.
     *
     * @throws ApiException 400 {@code invalid_request} naming the parameter
     */
    public static int positiveInt(Context ctx, String name, int def, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return def;
        }
        try {
            int v = Integer.parseInt(raw);
            if (v >= 1 && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.invalid("Query parameter '" + name + "' must be a whole number from 1 to " + max + ".",
                Map.of(name, "must be a whole number from 1 to " + max));
    }
}
