package com.levqor.jobs;

import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.queue.Dispatcher;

import com.levqor.jobs.model.JobState;

import com.levqor.api.QueryParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.db.Uuids;
import com.levqor.api.ApiException;
import com.levqor.api.Fields;
import com.levqor.api.JsonBody;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Operations of the queue: {@code /ops/queue_health} (public) and the DLQ (admin). */
public final class QueueOpsHandlers {
    public static final int DEFAULT_DLQ_LIMIT = 50;
    public static final int MAX_DLQ_LIST = 1_000;
    public static final int DEFAULT_RETRY_LIMIT = 1_000;
    public static final int MAX_RETRY_LIMIT = 100_000;

    private final Jobs jobs;
    /** The job store on the admin role's connections (DB_ADMIN_STATEMENT_TIMEOUT_MS: a DLQ retry may be large). */
    private final JobStore store;
    private final JsonBody json;

    public QueueOpsHandlers(Jobs jobs, JobStore adminStore, JsonBody json) {
        this.jobs = jobs;
        this.store = adminStore;
        this.json = json;
    }

    /** {@code GET /ops/queue_health}. */
    public void queueHealth(Context ctx) {
        ctx.json(jobs.queueHealth());
    }

    /** {@code GET /ops/dlq?limit=&workflow=}: dead jobs, oldest death first, with attempts and last error. */
    public void list(Context ctx) {
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_DLQ_LIMIT, MAX_DLQ_LIST);
        String workflow = ctx.queryParam("workflow");
        if (workflow != null && workflow.isEmpty()) {
            workflow = null;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobs", store.deadJobs(workflow, limit));
        body.put("count", store.deadCount(workflow));
        ctx.json(body);
    }

    /** {@code POST /ops/dlq/retry} with optional {@code {"limit":…,"workflow":…,"ids":[…]}}. */
    public void retry(Context ctx) {
        ObjectNode body = json.object(ctx, true);
        Fields f = new Fields(body).onlyKnown(Set.of("limit", "workflow", "ids"));
        int limit = f.optionalInt("limit", 1, MAX_RETRY_LIMIT).orElse(DEFAULT_RETRY_LIMIT);
        String workflow = f.optionalString("workflow").orElse(null);
        List<UUID> ids = new ArrayList<>();
        JsonNode idsNode = body.get("ids");
        if (idsNode != null && !idsNode.isNull()) {
            if (!idsNode.isArray()) {
                f.problem("ids", "must be an array of job ids");
            } else {
                for (JsonNode n : idsNode) {
                    UUID id = n.isTextual() ? Uuids.parseOrNull(n.textValue()) : null;
                    if (id == null) {
                        f.problem("ids", "must be an array of job ids (UUIDs); '" + n.asText() + "' is not one");
                        break;
                    }
                    ids.add(id);
                }
            }
        }
        f.validate();
        ctx.json(retry(store, jobs.dispatcher(), jobs.clock(), ids, workflow, limit));
    }

    /** Re-queues dead jobs and dispatches them; the answer of both the endpoint and the CLI. */
    public static Map<String, Object> retry(JobStore store, Dispatcher dispatcher, java.time.Clock clock, List<UUID> ids,
                                            String workflow, int limit) {
        List<JobRef> refs = store.retryDead(ids, workflow, limit, clock.instant());
        dispatcher.dispatch(refs);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("retried", refs.size());
        out.put("remaining", store.deadCount(null));
        return out;
    }

    /** {@code DELETE /ops/dlq/{id}}: discards one dead job (it becomes cancelled). */
    public void discard(Context ctx) {
        String raw = ctx.pathParam("id");
        UUID id = Uuids.parseOrNull(raw);
        if (id == null || !store.discardDead(id, jobs.clock().instant())) {
            throw ApiException.notFound("dead_job_not_found", "No dead job with id '" + raw + "' in the DLQ.");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", id);
        out.put("status", JobState.CANCELLED.wire());
        out.put("discarded", true);
        out.put("remaining", store.deadCount(null));
        ctx.json(out);
    }
}
