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
 * POSTs a job's final state to its {@code callback_url}, signed Standard Webhooks style
 * ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}); a failed delivery
 * (no answer, or not 2xx) is retried with backoff up to {@code CALLBACK_MAX_ATTEMPTS}. Deliveries
 * are kept in Postgres (the job row), so a restart delays them and loses none.
 */
public final class CallbackSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);
    private static final Duration HOLD = Duration.ofSeconds(60);
    /** Total time of one delivery, up to the receiver's status (its body is not waited for). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Most bytes read of a receiver's answer body (read in the background, then dropped). */
    private static final long MAX_ANSWER_BYTES = 16 * 1024;
    private static final long POLL_MS = 500;

    private final JobStore store;
    private final Egress egress;
    private final WebhookSigner signer;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final int maxAttempts;
    private final RetryPolicy backoff;
    private final Object wake = new Object();
    private volatile boolean closed;
    private volatile boolean woken;
    private Thread thread;

    public CallbackSender(JobStore store, Egress egress, WebhookSigner signer, ObjectMapper mapper, Clock clock,
                          int maxAttempts, RetryPolicy backoff) {
        this.store = store;
        this.egress = egress;
        this.signer = signer;
        this.mapper = mapper;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    public void start() {
        thread = new Thread(this::loop, "levqor-callbacks");
        thread.setDaemon(true);
        thread.start();
    }

    /** A delivery became pending: look now rather than at the next poll. */
    public void wake() {
        woken = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void loop() {
        while (!closed) {
            try {
                List<JobStore.CallbackDue> due = store.takeDueCallbacks(clock.instant(), HOLD, 50);
                due.forEach(this::deliver);
                if (due.size() == 50) {
                    continue;
                }
            } catch (RuntimeException e) {
                log.warn("Callback delivery round failed: {}", e.toString());
            }
            synchronized (wake) {
                if (!woken && !closed) {
                    try {
                        wake.wait(POLL_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                woken = false;
            }
        }
    }

    void deliver(JobStore.CallbackDue d) {
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
                    body.getBytes(StandardCharsets.UTF_8), REQUEST_TIMEOUT, MAX_ANSWER_BYTES, EgressRequest.Body.DISCARD);
            EgressAnswer res = egress.send(req);
            if (res.status() >= 200 && res.status() < 300) {
                store.callbackDelivered(d.jobId(), clock.instant());
                return;
            }
            error = "callback answered " + res.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (EgressRefusedException e) {
            store.callbackFailed(d.jobId(), "refused: " + e.getMessage(), null);
            log.warn("Callback of job {} refused: {}", d.jobId(), e.getMessage());
            return;
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
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

    @Override
    public void close() {
        closed = true;
        wake();
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
