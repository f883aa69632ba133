package com.levqor.ops;

import com.levqor.config.Settings;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** {@code GET /ops/flags} (admin): the effective feature flags and limits of this process. */
public final class FlagsHandler {
    private final Settings settings;
    private final Supplier<String> rateLimitStore;

    /** @param rateLimitStore where rate-limit buckets live right now: {@code redis} or {@code local} */
    public FlagsHandler(Settings settings, Supplier<String> rateLimitStore) {
        this.settings = settings;
        this.rateLimitStore = rateLimitStore;
    }

    public void flags(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("flags", settings.flags().byName());
        Map<String, Object> limits = new LinkedHashMap<>(settings.edgeLimitsByName());
        limits.put("MAX_BODY_BYTES", settings.http().maxBodyBytes());
        body.put("limits", limits);
        body.put("rate_limit_store", rateLimitStore.get());
        ctx.json(body);
    }
}
