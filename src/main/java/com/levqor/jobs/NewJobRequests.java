package com.levqor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.accounts.Caller;
import com.levqor.api.ApiException;
import com.levqor.api.Fields;
import com.levqor.config.QueueSettings;
import com.levqor.jobs.model.Priority;
import com.levqor.jobs.workflows.Workflow;
import com.levqor.jobs.workflows.Workflows;
import com.levqor.net.HttpUrls;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one parser of new-job requests, shared by every way in ({@code POST /api/v1/intake} on both
 * HTTP paths and {@code POST /api/v1/intake/batch}): a JSON body to a validated {@link NewJob}, or a
 * 400 naming every bad field (413 for a payload over {@code MAX_PAYLOAD_BYTES}).
 */
public final class NewJobRequests {
    static final Set<String> INTAKE_FIELDS = Set.of("workflow", "payload", "priority", "callback_url",
            "idempotency_key", "run_at", "max_attempts", "timeout_seconds");
    /** Farthest in the future a job may be delayed. */
    public static final long MAX_DELAY_DAYS = 366;

    private final Workflows workflows;
    private final QueueSettings settings;
    private final Clock clock;
    private final ObjectMapper mapper;

    public NewJobRequests(Workflows workflows, QueueSettings settings, Clock clock, ObjectMapper mapper) {
        this.workflows = workflows;
        this.settings = settings;
        this.clock = clock;
        this.mapper = mapper;
    }

    /**
     * One job: the body of {@code POST /api/v1/intake} (or one item of a batch, with no header).
     *
     * @param idempotencyHeader the {@code Idempotency-Key} header, or null
     */
    public NewJob parse(Caller caller, ObjectNode body, String idempotencyHeader) {
        Fields f = new Fields(body).onlyKnown(INTAKE_FIELDS);
        String workflowName = f.requiredString("workflow");
        Optional<Workflow> workflow = Optional.empty();
        if (workflowName != null) {
            workflow = workflows.get(workflowName);
            if (workflow.isEmpty()) {
                f.problem("workflow", "must be one of " + String.join(", ", workflows.names()));
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
                long size = payloadJson.getBytes(StandardCharsets.UTF_8).length;
                if (size > settings.maxPayloadBytes()) {
                    throw ApiException.tooLarge("The payload is " + size + " bytes of JSON, over the limit of "
                            + settings.maxPayloadBytes() + " bytes (MAX_PAYLOAD_BYTES).");
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
        Instant now = clock.instant();
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
        int maxAttempts = f.optionalInt("max_attempts", 1, 100).orElse(settings.defaultMaxAttempts());
        int timeout = f.optionalInt("timeout_seconds", 1, 86_400).orElse(settings.defaultTimeoutSeconds());
        f.validate();
        return new NewJob(caller.accountId(), caller.plan(), workflowName, payloadJson, priority, runAt, maxAttempts,
                timeout, key, callbackUrl, workflow.get().cost());
    }

    /**
     * Many jobs: the body of {@code POST /api/v1/intake/batch}, {@code {"jobs":[…]}} of 1 to
     * {@value Intake#MAX_REQUEST_JOBS} items, each like an intake body. Every problem is named as
     * {@code jobs[i].field} in one 400; a payload too large is a 413 naming its job. Check the
     * header first ({@link #refuseBatchIdempotencyHeader}).
     */
    public List<NewJob> parseBatch(Caller caller, ObjectNode body) {
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
        return batch;
    }

    /**
     * A batch refuses the {@code Idempotency-Key} header (each job carries its own key): 400. Checked
     * before the body is read, so it is the answer even when the body is bad too.
     */
    public static void refuseBatchIdempotencyHeader(String idempotencyHeader) {
        if (idempotencyHeader != null && !idempotencyHeader.isBlank()) {
            throw ApiException.invalid("The Idempotency-Key header is not accepted on a batch: set idempotency_key "
                    + "on each job.", Map.of("Idempotency-Key", "is not accepted on a batch; set idempotency_key per job"));
        }
    }
}
