package com.levqor.jobs.callbacks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.jobs.JobStore;
import com.levqor.jobs.RetryPolicy;
import com.levqor.net.Egress;
import com.levqor.net.EgressAnswer;
import com.levqor.net.EgressRefusedException;
import com.levqor.net.EgressRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery of a callback: POSTs a job's final state to its {@code callback_url}, signed Standard
 * Webhooks style ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}), and
 * records the outcome in the job row. The receiver's status decides: 2xx is delivered, anything else
 * (or no status within the deadline) is retried with backoff up to {@code CALLBACK_MAX_ATTEMPTS}.
 * The whole delivery, from resolving the host to the status, ends within the deadline; the answer's
 * body is never waited for, and at most {@link #MAX_ANSWER_BYTES} of it are read (and dropped).
 */
public final class CallbackDelivery {
    private static final Logger log = LoggerFactory.getLogger(CallbackDelivery.class);
    /** Most bytes read of a receiver's answer body (read in the background, then dropped). */
    static final long MAX_ANSWER_BYTES = 16 * 1024;

    private final JobStore store;
    private final Egress egress;
    private final WebhookSigner signer;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final int maxAttempts;
    private final RetryPolicy backoff;
    private final Duration deadline;

    public CallbackDelivery(JobStore store, Egress egress, WebhookSigner signer, ObjectMapper mapper, Clock clock,
                            int maxAttempts, RetryPolicy backoff, Duration deadline) {
        this.store = store;
        this.egress = egress;
        this.signer = signer;
        this.mapper = mapper;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.deadline = deadline;
    }

    /** The total time one delivery may take ({@code CALLBACK_TIMEOUT_SECONDS}). */
    public Duration deadline() {
        return deadline;
    }

    /**
     * Delivers one callback and records the outcome.
     *
     * @throws InterruptedException when the sender is stopped mid-delivery (the attempt is recorded as failed first)
     */
    void deliver(JobStore.CallbackDue d) throws InterruptedException {
        String id = "msg_" + d.jobId() + "_" + d.state();
        long ts = clock.instant().getEpochSecond();
        String error;
        try {
            String body = body(d, ts);
            EgressRequest req = new EgressRequest("POST", URI.create(d.callbackUrl()), List.of(
                    new EgressRequest.Header("Content-Type", "application/json"),
                    new EgressRequest.Header("User-Agent", "Levqor-Webhooks/1"),
                    new EgressRequest.Header("webhook-id", id),
                    new EgressRequest.Header("webhook-timestamp", Long.toString(ts)),
                    new EgressRequest.Header("webhook-signature", signer.sign(id, ts, body))),
                    body.getBytes(StandardCharsets.UTF_8), deadline, MAX_ANSWER_BYTES, EgressRequest.Body.DISCARD);
            EgressAnswer res = egress.send(req);
            if (res.status() >= 200 && res.status() < 300) {
                store.callbackDelivered(d.jobId(), clock.instant());
                return;
            }
            error = "callback answered " + res.status();
        } catch (InterruptedException e) {
            failed(d, "interrupted (the process is stopping)");
            throw e;
        } catch (EgressRefusedException e) {
            store.callbackFailed(d.jobId(), "refused: " + e.getMessage(), null);
            log.warn("Callback of job {} refused: {}", d.jobId(), e.getMessage());
            return;
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        failed(d, error);
    }

    private void failed(JobStore.CallbackDue d, String error) {
        int attempt = d.deliveries() + 1;
        Instant next = attempt >= maxAttempts ? null : clock.instant().plus(backoff.delayAfter(attempt));
        store.callbackFailed(d.jobId(), error, next);
        log.info("Callback of job {} failed (delivery {} of {}): {}{}", d.jobId(), attempt, maxAttempts, error,
                next == null ? "; giving up" : "; next at " + next);
    }

    private String body(JobStore.CallbackDue d, long ts) throws Exception {
        ObjectNode root = mapper.createObjectNode();
        root.put("type", "job." + d.state());
        root.put("timestamp", Instant.ofEpochSecond(ts).toString());
        ObjectNode data = root.putObject("data");
        data.put("job_id", d.jobId().toString());
        data.put("workflow", d.workflow());
        data.put("status", d.state());
        data.put("attempts", d.attempts());
        if (d.resultJson() == null) {
            data.putNull("result");
        } else {
            data.set("result", mapper.readTree(d.resultJson()));
        }
        data.put("last_error", d.lastError());
        data.put("finished_at", d.finishedAt() == null ? null : d.finishedAt().toString());
        return mapper.writeValueAsString(root);
    }
}
