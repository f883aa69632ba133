package com.levqor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.jobs.workflows.JobContext;
import com.levqor.jobs.workflows.RawJson;
import com.levqor.jobs.workflows.Workflow;
import com.levqor.jobs.workflows.Workflows;
import com.levqor.net.Egress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs one attempt of one job and decides its outcome. This is the one catch-all: a workflow just
 * throws; here the error is recorded with its stack and the job is retried (backoff with jitter),
 * declared dead (attempts used up), or released (shutdown). A run past {@code timeout_seconds} is
 * interrupted and counts as a failed attempt.
 */
final class JobExecutor {
    private final Workflows workflows;
    private final ObjectMapper mapper;
    private final Egress egress;
    private final RetryPolicy retries;
    private final Clock clock;
    private final JobMetrics metrics;

    JobExecutor(Workflows workflows, ObjectMapper mapper, Egress egress, RetryPolicy retries, Clock clock,
                JobMetrics metrics) {
        this.workflows = workflows;
        this.mapper = mapper;
        this.egress = egress;
        this.retries = retries;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The outcome to record, or null when there is nothing to write (the job left us before it started). */
    JobStore.Outcome run(RunningJob r, boolean releaseUnstarted) {
        ClaimedJob job = r.job;
        if (releaseUnstarted) {
            r.interrupt(RunningJob.Stop.SHUTDOWN);
        }
        long t0 = System.nanoTime();
        if (!r.start(t0 + Duration.ofSeconds(job.timeoutSeconds()).toNanos())) {
            return r.stop() == RunningJob.Stop.SHUTDOWN ? new JobStore.Released(job, clock.instant()) : null;
        }
        Throwable error = null;
        String resultJson = null;
        try {
            Workflow wf = workflows.get(job.workflow()).orElseThrow(() -> new UnknownWorkflowException(job.workflow()));
            Object result = wf.run(new JobContext(job.id(), job.attempt(), job.payloadJson(),
                    Duration.ofSeconds(job.timeoutSeconds()), mapper, egress));
            resultJson = toJson(result);
        } catch (Throwable t) {
            error = t;
            if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
                throw vme;
            }
        } finally {
            r.finish();
        }
        metrics.ran(job.workflow(), (System.nanoTime() - t0) / 1e9);
        Instant now = clock.instant();
        RunningJob.Stop stop = r.stop();
        if (error == null && stop == RunningJob.Stop.NONE) {
            return new JobStore.Succeeded(job, resultJson, now);
        }
        if (stop == RunningJob.Stop.SHUTDOWN) {
            return new JobStore.Released(job, now);
        }
        String message;
        if (stop == RunningJob.Stop.TIMEOUT) {
            message = "timed out after " + job.timeoutSeconds() + " s (attempt " + job.attempt() + ")";
        } else if (stop == RunningJob.Stop.CANCELLED || stop == RunningJob.Stop.LEASE_LOST) {
            // The job's state already moved on (cancelled, or rescued by the sweeper): this write will be refused.
            message = "interrupted: " + (stop == RunningJob.Stop.CANCELLED ? "cancelled" : "lease lost");
        } else {
            message = describe(error);
        }
        if (error instanceof UnknownWorkflowException || job.lastAttempt()) {
            return new JobStore.Dead(job, message, now);
        }
        return new JobStore.Failed(job, message, now, now.plus(retries.delayAfter(job.attemptsUsed())));
    }

    private String toJson(Object result) throws Exception {
        if (result == null) {
            return null;
        }
        if (result instanceof RawJson raw) {
            return raw.json();
        }
        if (result instanceof JsonNode node) {
            return mapper.writeValueAsString(node);
        }
        return mapper.writeValueAsString(result);
    }

    /** The error with its stack (clipped when stored). */
    static String describe(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** A job names a workflow this process does not have (its jar was removed): no retry can help. */
    static final class UnknownWorkflowException extends RuntimeException {
        UnknownWorkflowException(String name) {
            super("unknown workflow '" + name + "'");
        }
    }
}
