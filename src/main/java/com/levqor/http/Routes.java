package com.levqor.http;

import io.javalin.http.Context;
import io.javalin.router.Endpoint;

/** Route templates for labels: {@code /api/v1/status/{job_id}}, never the raw path. */
public final class Routes {
    /** The label of requests that matched no route (keeps metric cardinality bounded). */
    public static final String UNMATCHED = "unmatched";

    private Routes() {
    }

    public static String template(Context ctx) {
        try {
            Endpoint e = ctx.endpoints().matchedHttpEndpoint();
            return e == null ? UNMATCHED : e.path;
        } catch (RuntimeException e) {
            return UNMATCHED;
        }
    }
}
