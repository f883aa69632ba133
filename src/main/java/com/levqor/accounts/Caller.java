package com.levqor.accounts;

import io.javalin.http.Context;
import java.util.UUID;

/** The account behind an authenticated API request, and which of its keys was used. */
public record Caller(UUID accountId, Plan plan, String keyPrefix) {
    private static final String ATTRIBUTE = "levqor.caller";

    /** Remembers the authenticated caller of a request (the edge does, before the handler runs). */
    public static void attach(Context ctx, Caller caller) {
        ctx.attribute(ATTRIBUTE, caller);
    }

    /** The authenticated caller of an API-key route. */
    public static Caller of(Context ctx) {
        Caller c = ctx.attribute(ATTRIBUTE);
        if (c == null) {
            throw new IllegalStateException("No authenticated caller: is the route marked Access.API_KEY?");
        }
        return c;
    }
}
