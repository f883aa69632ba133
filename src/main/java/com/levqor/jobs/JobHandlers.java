package com.levqor.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.accounts.Caller;
import com.levqor.api.ApiException;
import com.levqor.api.JsonBody;
import com.levqor.db.Uuids;
import com.levqor.jobs.model.JobState;
import com.levqor.jobs.workflows.Workflow;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The jobs API of API clients: intake, status, list, cancel, workflows, usage. Handlers stay thin. */
public final class JobHandlers {
    public static final int DEFAULT_LIST_LIMIT = 50;
    public static final int MAX_LIST_LIMIT = 200;
    private static final long INTAKE_WAIT_SECONDS = 30;

    private final Jobs jobs;
    private final JsonBody json;
    private final NewJobRequests requests;

    public JobHandlers(Jobs jobs, JsonBody json, ObjectMapper mapper) {
        this.jobs = jobs;
        this.json = json;
        this.requests = new NewJobRequests(jobs.workflows(), jobs.settings(), jobs.clock(), mapper);
    }

    /** {@code POST /api/v1/intake} → 202 once committed; 200 for a repeated idempotency key. */
    public void intake(Context ctx) throws Exception {
        Caller caller = Caller.of(ctx);
        NewJob job = requests.parse(caller, json.object(ctx, false), ctx.header("Idempotency-Key"));
        IntakeResult result;
        try {
            result = jobs.intake().submitAndWait(job, TimeUnit.SECONDS.toMillis(INTAKE_WAIT_SECONDS));
        } catch (RuntimeException | TimeoutException e) {
            throw IntakeAnswers.unavailable(e);
        }
        IntakeAnswers.Answer answer = IntakeAnswers.of(result, caller);
        ctx.header("Location", answer.location());
        ctx.status(answer.status()).contentType(ContentType.APPLICATION_JSON).result(answer.json());
    }

    /**
     * {@code POST /api/v1/intake/batch} {@code {"jobs":[…]}}: up to {@value Intake#MAX_REQUEST_JOBS} jobs,
     * each like an intake body, written in one transaction and charged all or nothing. 202 with one
     * {@code {"job_id","status"}} per job in order (200 when every job repeated an idempotency key);
     * 400 naming each problem as {@code jobs[i].field}; 413 naming the job; 402 for the whole batch.
     */
    public void intakeBatch(Context ctx) throws Exception {
        Caller caller = Caller.of(ctx);
        NewJobRequests.refuseBatchIdempotencyHeader(ctx.header("Idempotency-Key"));
        List<NewJob> batch = requests.parseBatch(caller, json.object(ctx, false));
        List<IntakeResult> results;
        try {
            results = jobs.intake().submitAllAndWait(batch, TimeUnit.SECONDS.toMillis(INTAKE_WAIT_SECONDS));
        } catch (RuntimeException | TimeoutException e) {
            throw IntakeAnswers.batchUnavailable(e);
        }
        IntakeAnswers.Answer answer = IntakeAnswers.ofBatch(results, caller);
        ctx.status(answer.status()).contentType(ContentType.APPLICATION_JSON).result(answer.json());
    }

    /** The parser of new-job requests that every way into intake shares. */
    public NewJobRequests requests() {
        return requests;
    }

    private static ApiException jobNotFound(String id) {
        return ApiException.notFound("job_not_found", "No job with id '" + id + "' in this account.");
    }

    /** {@code GET /api/v1/status/{job_id}}. */
    public void status(Context ctx) {
        Caller caller = Caller.of(ctx);
        String raw = ctx.pathParam("job_id");
        UUID id = Uuids.parseOrNull(raw);
        Job job = (id == null ? Optional.<Job>empty() : jobs.store().find(caller.accountId(), id))
                .orElseThrow(() -> jobNotFound(raw));
        ctx.json(job);
    }

    /** {@code GET /api/v1/jobs?status=&limit=&cursor=}: newest first; {@code next_cursor} pages on. */
    public void list(Context ctx) {
        Caller caller = Caller.of(ctx);
        Map<String, String> problems = new LinkedHashMap<>();
        JobState state = null;
        String s = ctx.queryParam("status");
        if (s != null && !s.isEmpty()) {
            state = JobState.fromWire(s).orElse(null);
            if (state == null) {
                problems.put("status", "must be one of queued, running, succeeded, failed, dead, cancelled");
            }
        }
        int limit = DEFAULT_LIST_LIMIT;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
                if (limit < 1 || limit > MAX_LIST_LIMIT) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                problems.put("limit", "must be a whole number from 1 to " + MAX_LIST_LIMIT);
            }
        }
        UUID cursor = null;
        String c = ctx.queryParam("cursor");
        if (c != null && !c.isEmpty()) {
            cursor = Uuids.parseOrNull(c);
            if (cursor == null) {
                problems.put("cursor", "must be the next_cursor of a previous page");
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid("Invalid query: " + String.join(", ", problems.keySet()) + ".", problems);
        }
        List<Job> page = jobs.store().list(caller.accountId(), state, limit, cursor);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobs", page);
        body.put("next_cursor", page.size() == limit ? page.get(page.size() - 1).jobId() : null);
        ctx.json(body);
    }

    /** {@code POST /api/v1/jobs/{id}/cancel}: a queued or retrying job is cancelled; a running one is interrupted. */
    public void cancel(Context ctx) {
        Caller caller = Caller.of(ctx);
        String raw = ctx.pathParam("id");
        UUID id = Uuids.parseOrNull(raw);
        JobStore.Cancelled c = (id == null ? Optional.<JobStore.Cancelled>empty()
                : jobs.store().cancel(caller.accountId(), id, jobs.clock().instant()))
                .orElseThrow(() -> jobNotFound(raw));
        if (!c.changed()) {
            throw ApiException.conflict("job_finished", "Job " + raw + " is already " + c.stateBefore().wire()
                    + "; only queued, retrying (failed) or running jobs can be cancelled.");
        }
        if (c.stateBefore() == JobState.RUNNING) {
            jobs.cancelled(id);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("job_id", id);
        body.put("status", JobState.CANCELLED.wire());
        body.put("previous_status", c.stateBefore().wire());
        ctx.json(body);
    }

    /** {@code GET /api/v1/workflows}: name, cost in units, description. */
    public void workflows(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Workflow w : jobs.workflows().all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", w.name());
            m.put("cost", w.cost());
            m.put("description", w.description());
            out.add(m);
        }
        ctx.json(Map.of("workflows", out));
    }

    /** {@code GET /api/v1/usage}: today's spend (UTC day) against the plan's daily budget. */
    public void usage(Context ctx) {
        Caller caller = Caller.of(ctx);
        long used = jobs.usage().unitsUsedToday(caller.accountId());
        long budget = jobs.usage().budget(caller.plan());
        LocalDate today = LocalDate.ofInstant(jobs.clock().instant(), ZoneOffset.UTC);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("plan", caller.plan().wire());
        body.put("day", today.toString());
        body.put("units_used", used);
        body.put("units_budget", budget);
        body.put("units_remaining", Math.max(0, budget - used));
        body.put("resets_at", today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
        ctx.json(body);
    }
}
