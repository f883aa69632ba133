package com.levqor.status;

import com.levqor.api.ApiException;
import com.levqor.api.JsonBody;
import com.levqor.api.QueryParams;
import com.levqor.db.Uuids;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The operator's incident endpoints (admin): open, update, list, notify; scheduled maintenance.
 * Thin: bodies are read by {@link IncidentRequests}, the work is {@link IncidentService}'s.
 */
public final class IncidentHandlers {
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1_000;

    private final IncidentService incidents;
    private final IncidentNotices notices;
    private final JsonBody json;

    IncidentHandlers(IncidentService incidents, IncidentNotices notices, JsonBody json) {
        this.incidents = incidents;
        this.notices = notices;
        this.json = json;
    }

    /** {@code POST /ops/incidents} → 201 with the incident and its {@code text}. */
    public void open(Context ctx) {
        Incident i = incidents.open(IncidentRequests.open(json.object(ctx, false)));
        ctx.status(201).json(IncidentViews.incident(i));
    }

    /** {@code POST /ops/incidents/{id}/updates} → 201 with the incident, {@code text} being the new update's. */
    public void update(Context ctx) {
        UUID id = incidentId(ctx);
        Incident i = incidents.update(id, IncidentRequests.update(json.object(ctx, false)));
        ctx.status(201).json(IncidentViews.incident(i));
    }

    /** {@code GET /ops/incidents[?status=open|resolved][&limit=N]}: newest first. */
    public void list(Context ctx) {
        String status = ctx.queryParam("status");
        Optional<Boolean> open;
        if (status == null || status.isEmpty()) {
            open = Optional.empty();
        } else if (status.equals("open") || status.equals("resolved")) {
            open = Optional.of(status.equals("open"));
        } else {
            throw ApiException.invalid("Query parameter 'status' must be open or resolved.",
                    Map.of("status", "must be open or resolved"));
        }
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        List<Map<String, Object>> list = incidents.list(open, limit).stream().map(IncidentViews::incident).toList();
        ctx.json(Map.of("incidents", list, "count", list.size()));
    }

    /** {@code GET /ops/incidents/{id}}. */
    public void get(Context ctx) {
        UUID id = incidentId(ctx);
        ctx.json(IncidentViews.incident(incidents.find(id)
                .orElseThrow(() -> IncidentService.notFound(ctx.pathParam("id")))));
    }

    /** {@code POST /ops/incidents/{id}/notify} → {@code {"queued":N,"already_sent":M}}. */
    public void notify(Context ctx) {
        UUID id = incidentId(ctx);
        IncidentNotices.Result r = notices.notify(id, IncidentRequests.notify(json.object(ctx, false)));
        ctx.json(Map.of("queued", r.queued(), "already_sent", r.alreadySent()));
    }

    /** {@code POST /ops/maintenance} → 201 with the window. */
    public void schedule(Context ctx) {
        Maintenance m = incidents.schedule(IncidentRequests.schedule(json.object(ctx, false), incidents.now()));
        ctx.status(201).json(IncidentViews.maintenance(m, incidents.now()));
    }

    /** {@code GET /ops/maintenance[?status=scheduled|in_progress|completed|cancelled][&limit=N]}: latest start first. */
    public void maintenances(Context ctx) {
        String status = ctx.queryParam("status");
        Optional<Maintenance.Phase> phase = Optional.empty();
        if (status != null && !status.isEmpty()) {
            phase = Arrays.stream(Maintenance.Phase.values()).filter(p -> p.wire().equals(status)).findFirst();
            if (phase.isEmpty()) {
                throw ApiException.invalid("Query parameter 'status' must be scheduled, in_progress, completed or "
                        + "cancelled.", Map.of("status", "must be scheduled, in_progress, completed or cancelled"));
            }
        }
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        List<Map<String, Object>> list = incidents.maintenances(phase, limit).stream()
                .map(m -> IncidentViews.maintenance(m, incidents.now())).toList();
        ctx.json(Map.of("maintenances", list, "count", list.size()));
    }

    /** {@code DELETE /ops/maintenance/{id}}: cancels a window that is not over; 200 with the window. */
    public void cancelMaintenance(Context ctx) {
        UUID id = Uuids.parseOrNull(ctx.pathParam("id"));
        Maintenance m = (id == null ? Optional.<Maintenance>empty() : incidents.cancel(id))
                .orElseThrow(() -> ApiException.notFound("maintenance_not_found",
                        "No maintenance with id '" + ctx.pathParam("id") + "'."));
        ctx.json(IncidentViews.maintenance(m, incidents.now()));
    }

    private static UUID incidentId(Context ctx) {
        UUID id = Uuids.parseOrNull(ctx.pathParam("id"));
        if (id == null) {
            throw IncidentService.notFound(ctx.pathParam("id"));
        }
        return id;
    }
}
