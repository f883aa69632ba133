package com.levqor.jobs;

import com.levqor.jobs.model.Priority;

import com.levqor.jobs.model.JobState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.accounts.Caller;
import com.levqor.db.GroupCommit;
import com.levqor.db.Uuids;
import com.levqor.api.ApiException;
import com.levqor.api.Fields;
import com.levqor.api.JsonBody;
import com.levqor.jobs.workflows.Workflow;
import com.levqor.net.HttpUrls;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The jobs API of API clients: intake, status, list, cancel, workflows, usage. Handlers stay thin. */
public final class JobHandlers {
    static final Set<String> INTAKE_FIELDS = Set.of("workflow", "payload", "priority", "callback_url",
            "idempotency_key", "run_at", "max_attempts", "timeout_seconds");
    public static final int DEFAULT_LIST_LIMIT = 50;
    public static final int MAX_LIST_LIMIT = 200;
    /** Farthest in the future a job may be delayed. */
    public static final long MAX_DELAY_DAYS = 366;
    private static final long INTAKE_WAIT_SECONDS = 30;

    private final Jobs jobs;
    private final JsonBody json;
    private final ObjectMapper mapper;

    public JobHandlers(Jobs jobs, JsonBody json, ObjectMapper mapper) {
        this.jobs = jobs;
        this.json = json;
        this.mapper = mapper;
    }

    /** {@code POST /api/v1/intake} → 202 once committed; 200 for a repeated idempotency key. */
    public void intake(Context ctx) throws Exception {
        Caller caller = Caller.of(ctx);
        NewJob job = parse(caller, json.object(ctx, false), ctx.header("Idempotency-Key"));
        IntakeResult result;
        try {
            result = jobs.intake().submitAndWait(job, TimeUnit.SECONDS.toMillis(INTAKE_WAIT_SECONDS));
        } catch (RuntimeException | TimeoutException e) {
            throw intakeUnavailable(e);
        }
        IntakeAnswer answer = intakeAnswer(result, caller);
        ctx.header("Location", answer.location());
        ctx.status(answer.status()).json(answer.body());
    }

    /** A stored job's answer to {@code POST /api/v1/intake}: its status code, JSON body and Location. */
    public record IntakeAnswer(int status, Map<String, Object> body, String location) {
    }

    /** 202 for a new job, 200 for a repeated idempotency key; 402 or 400 (thrown) when it was not stored. */
    public static IntakeAnswer intakeAnswer(IntakeResult result, Caller caller) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (result instanceof IntakeResult.Created c) {
            body.put("job_id", c.jobId());
            body.put("status", JobState.QUEUED.wire());
            return new IntakeAnswer(202, body, "/api/v1/status/" + c.jobId());
        } else if (result instanceof IntakeResult.Existing x) {
            body.put("job_id", x.jobId());
            body.put("status", x.status());
            return new IntakeAnswer(200, body, "/api/v1/status/" + x.jobId());
        } else if (result instanceof IntakeResult.OverBudget o) {
            throw new ApiException(402, "budget_exceeded", "The " + caller.plan().wire() + " plan's daily budget of "
                    + o.budget() + " units is spent (" + o.used() + " used; this job costs " + o.cost()
                    + "). It resets at 00:00 UTC.", Map.of(), Map.of());
        } else {
            throw ApiException.invalid(((IntakeResult.Rejected) result).message(),
                    Map.of("payload", ((IntakeResult.Rejected) result).message()));
        }
    }

    /** 503 when intake could not store the job (database down, no commit in time, intake stopped). */
    public static ApiException intakeUnavailable(Throwable e) {
        return intakeUnavailable(e, "job", "an idempotency_key");
    }

    private static ApiException intakeUnavailable(Throwable e, String what, String key) {
        if (e instanceof GroupCommit.Unconfirmed) {
            return ApiException.unavailable("intake_unavailable", "The database did not confirm the " + what
                    + " within " + Intake.ANSWER_TIMEOUT_MILLIS / 1000 + " s; it may still be stored. Retry with "
                    + key + " to be safe: a repeat is answered with the first job.");
        }
        return ApiException.unavailable("intake_unavailable", "The " + what + " could not be stored ("
                + e.getClass().getSimpleName() + "); nothing was queued. Retry shortly.");
    }

    /**
     * {@code POST /api/v1/intake/batch} {@code {"jobs":[…]}}: up to {@value Intake#MAX_REQUEST_JOBS} jobs,
     * each like an intake body, written in one transaction and charged all or nothing. 202 with one
     * {@code {"job_id","status"}} per job in order (200 when every job repeated an idempotency key);
     * 400 naming each problem as {@code jobs[i].field}; 413 naming the job; 402 for the whole batch.
     */
    public void intakeBatch(Context ctx) throws Exception {
        Caller caller = Caller.of(ctx);
        String header = ctx.header("Idempotency-Key");
        if (header != null && !header.isBlank()) {
            throw ApiException.invalid("The Idempotency-Key header is not accepted on a batch: set idempotency_key "
                    + "on each job.", Map.of("Idempotency-Key", "is not accepted on a batch; set idempotency_key per job"));
        }
        ObjectNode body = json.object(ctx, false);
        Fields f = new Fields(body).onlyKnown(Set.of("jobs"));
        JsonNode list = body.get("jobs");
        if (list == null || list.isNull()) {
            f.problem("jobs", "is required: an array of 1 to " + Intake.MAX_REQUEST_JOBS + " jobs");
        } else if (!list.isArray() || list.isEmpty() || list.size() > Intake.MAX_REQUEST_JOBS) {
            f.problem("jobs", "must be an array of 1 to " + Intake.MAX_REQUEST_JOBS + " jobs (got "
                    + (list.isArray() ? list.size() + " jobs" : "a " + list.getNodeType().name().toLowerCase(Locale.ROOT))
                    + ")");
        }
        f.validate();
        List<NewJob> batch = new ArrayList<>(list.size());
        Map<String, String> problems = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "jobs[" + i + "]";
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                problems.put(at, "must be a JSON object like the body of POST /api/v1/intake");
                continue;
            }
            try {
                batch.add(parse(caller, (ObjectNode) item, null));
            } catch (ApiException e) {
                if (e.status() == 413) {
                    throw ApiException.tooLarge("Job " + at + ": " + e.getMessage());
                }
                e.details().forEach((field, problem) -> problems.put(at + "." + field, problem));
            }
        }
        if (!problems.isEmpty()) {
            String first = problems.keySet().iterator().next();
            throw ApiException.invalid(problems.size() == 1 ? "Field '" + first + "' " + problems.get(first) + "."
                    : problems.size() + " fields are invalid: " + String.join(", ", problems.keySet()) + ".", problems);
        }
        List<IntakeResult> results;
        try {
            results = jobs.intake().submitAllAndWait(batch, TimeUnit.SECONDS.toMillis(INTAKE_WAIT_SECONDS));
        } catch (RuntimeException | TimeoutException e) {
            throw intakeUnavailable(e, "jobs", "idempotency_key on each job");
        }
        List<Map<String, Object>> answers = new ArrayList<>(results.size());
        boolean created = false;
        for (int i = 0; i < results.size(); i++) {
            IntakeResult r = results.get(i);
            if (r instanceof IntakeResult.OverBudget o) {
                throw new ApiException(402, "budget_exceeded", "The " + caller.plan().wire() + " plan's daily budget of "
                        + o.budget() + " units cannot take this batch (" + o.used() + " used; the batch costs "
                        + o.cost() + "). Nothing was queued; the budget resets at 00:00 UTC.", Map.of(), Map.of());
            }
            if (r instanceof IntakeResult.Rejected x) {
                // The database refused a payload: the whole batch was rolled back.
                throw ApiException.invalid("A payload of this batch cannot be stored: " + x.message()
                        + " Nothing was queued.", Map.of("jobs", x.message()));
            }
        }
        for (IntakeResult r : results) {
            Map<String, Object> a = new LinkedHashMap<>();
            if (r instanceof IntakeResult.Created c) {
                created = true;
                a.put("job_id", c.jobId());
                a.put("status", JobState.QUEUED.wire());
            } else {
                IntakeResult.Existing x = (IntakeResult.Existing) r;
                a.put("job_id", x.jobId());
                a.put("status", x.status());
                a.put("existing", true);
            }
            answers.add(a);
        }
        ctx.status(created ? 202 : 200).json(Map.of("jobs", answers));
    }

    public NewJob parse(Caller caller, ObjectNode body, String idempotencyHeader) {
        Fields f = new Fields(body).onlyKnown(INTAKE_FIELDS);
        String workflowName = f.requiredString("workflow");
        Optional<Workflow> workflow = Optional.empty();
        if (workflowName != null) {
            workflow = jobs.workflows().get(workflowName);
            if (workflow.isEmpty()) {
                f.problem("workflow", "must be one of " + String.join(", ", jobs.workflows().names()));
            }
        }
        JsonNode payload = body.get("payload");
        String payloadJson = null;
        if (payload == null || payload.isNull()) {
            f.problem("payload", "is required: a JSON object");
        } else if (!payload.isObject()) {
            f.problem("payload", "must be a JSON object");
        } else {
            try {
                payloadJson = mapper.writeValueAsString(payload);
            } catch (Exception e) {
                f.problem("payload", "could not be read as JSON");
            }
            if (payloadJson != null) {
                long size = payloadJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                if (size > jobs.settings().maxPayloadBytes()) {
                    throw ApiException.tooLarge("The payload is " + size + " bytes of JSON, over the limit of "
                            + jobs.settings().maxPayloadBytes() + " bytes (MAX_PAYLOAD_BYTES).");
                }
                if (payloadJson.contains("\\u0000")) {
                    f.problem("payload", "must not contain the NUL character (\\u0000)");
                }
                if (workflow.isPresent()) {
                    workflow.get().validate(payload).forEach(f::problem);
                }
            }
        }
        Priority priority = Priority.NORMAL;
        Optional<String> p = f.optionalString("priority");
        if (p.isPresent()) {
            priority = Priority.fromWire(p.get()).orElse(null);
            if (priority == null) {
                f.problem("priority", "must be one of low, normal, high");
                priority = Priority.NORMAL;
            }
        }
        String callbackUrl = f.optionalString("callback_url").orElse(null);
        if (callbackUrl != null && HttpUrls.parse(callbackUrl, 2048).isEmpty()) {
            f.problem("callback_url", "must be an absolute http:// or https:// URL of at most 2048 characters");
        }
        String key = f.optionalString("idempotency_key").orElse(null);
        if (idempotencyHeader != null && !idempotencyHeader.isBlank()) {
            String h = idempotencyHeader.trim();
            if (key != null && !key.equals(h)) {
                f.problem("idempotency_key", "differs from the Idempotency-Key header; send one or make them equal");
            }
            key = h;
        }
        if (key != null && (key.isEmpty() || key.length() > 255)) {
            f.problem("idempotency_key", "must be 1 to 255 characters");
        }
        Instant now = jobs.clock().instant();
        Instant runAt = now;
        Optional<String> runAtText = f.optionalString("run_at");
        if (runAtText.isPresent()) {
            try {
                runAt = OffsetDateTime.parse(runAtText.get()).toInstant();
                if (runAt.isAfter(now.plus(MAX_DELAY_DAYS, ChronoUnit.DAYS))) {
                    f.problem("run_at", "must be at most " + MAX_DELAY_DAYS + " days ahead");
                }
            } catch (DateTimeParseException e) {
                f.problem("run_at", "must be an ISO-8601 time with an offset, like 2030-01-01T12:00:00Z");
            }
        }
        int maxAttempts = f.optionalInt("max_attempts", 1, 100).orElse(jobs.settings().defaultMaxAttempts());
        int timeout = f.optionalInt("timeout_seconds", 1, 86_400).orElse(jobs.settings().defaultTimeoutSeconds());
        f.validate();
        return new NewJob(caller.accountId(), caller.plan(), workflowName, payloadJson, priority, runAt, maxAttempts,
                timeout, key, callbackUrl, workflow.get().cost());
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
