package com.levqor.ops;

import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The public operations endpoints: uptime probe, cheap status, Prometheus metrics. */
public final class OpsHandlers {
    private final HealthService health;
    private final Metrics metrics;
    private final Clock clock;
    private final Instant startedAt;

    public OpsHandlers(HealthService health, Metrics metrics, Clock clock) {
        this.health = health;
        this.metrics = metrics;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    /** {@code GET /ops/uptime}: 200 operational/degraded, 503 down. */
    public void uptime(Context ctx) {
        HealthService.Uptime u = health.uptime();
        ctx.status(u.httpStatus()).json(u);
    }

    /** {@code GET /api/v1/status}: answers without touching any dependency. */
    public void status(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ok");
        body.put("version", health.version());
        body.put("time", clock.instant());
        body.put("uptime_seconds", clock.instant().getEpochSecond() - startedAt.getEpochSecond());
        ctx.json(body);
    }

    /** {@code GET /metrics}: the Prometheus text format. */
    public void metrics(Context ctx) {
        health.refreshGauges();
        ctx.contentType(metrics.contentType()).result(metrics.scrape());
    }
}
