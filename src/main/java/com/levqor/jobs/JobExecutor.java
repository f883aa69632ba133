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
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Runs one attempt of one job and decides its outcome. This is the one catch-all: a workflow just
 * throws; here the error is recorded and the job is retried (backoff with jitter), declared dead
 * (attempts used up), or released (shutdown). A run past {@code timeout_seconds} is interrupted and
 * counts as a failed attempt. The job's {@code last_error}, which its owner reads, is the error's
 * class and message only; the stack goes with the outcome to the logs.
 */
public final class JobExecutor {
    private final Workflows workflows;
    private final ObjectMapper mapper;
    private final Egress egress;
    private final RetryPolicy retries;
    private final Clock clock;
    private final JobMetrics metrics;

    public JobExecutor(Workflows workflows, ObjectMapper mapper, Egress egress, RetryPolicy retries, Clock clock,
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
            if (resultJson != null && hasNul(resultJson)) {
                throw new ResultNotStorableException();
            }
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
        return failed(job, message, error instanceof UnknownWorkflowException, now, error);
    }

    /** The failure of this attempt: dead when no retry can help or none is left, else failed with a retry time. */
    private JobStore.Outcome failed(ClaimedJob job, String message, boolean hopeless, Instant now, Throwable cause) {
        if (hopeless || job.lastAttempt()) {
            return new JobStore.Dead(job, message, now, cause);
        }
        return new JobStore.Failed(job, message, now, now.plus(retries.delayAfter(job.attemptsUsed())), cause);
    }

    /**
     * What to record instead of an outcome the database refused for its data (a value it cannot store):
     * the attempt failed, with the database's reason; empty for a release (nothing else to record).
     */
    Optional<JobStore.Outcome> notStorable(JobStore.Outcome refused, RuntimeException why) {
        if (refused instanceof JobStore.Released) {
            return Optional.empty();
        }
        String reason = why.getCause() instanceof SQLException sql ? firstLine(sql.getMessage())
                : firstLine(why.getMessage());
        return Optional.of(failed(refused.job(), "the outcome could not be stored: " + reason, false,
                clock.instant(), why));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no reason given";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
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

    /**
     * The error as the job's owner sees it: the exception's simple class name and message, without
     * its stack or the chain of causes (those name our code and hosts; they go to the logs). A cause
     * stands in for a wrapper that has no message of its own.
     */
    static String describe(Throwable t) {
        Throwable shown = t;
        while (shown.getMessage() == null && shown.getCause() != null && shown.getCause() != shown) {
            shown = shown.getCause();
        }
        String name = shown.getClass().getSimpleName().isEmpty() ? shown.getClass().getName()
                : shown.getClass().getSimpleName();
        return shown.getMessage() == null ? name : name + ": " + shown.getMessage();
    }

    /**
     * Whether JSON text holds a NUL character: a <code>&#92;u0000</code> escape (not itself escaped,
     * as in <code>&#92;&#92;u0000</code>) or a raw one. Postgres' jsonb refuses it, and the refusal
     * would fail the whole batch of outcomes it is written with.
     */
    static boolean hasNul(String json) {
        if (json.indexOf('\0') >= 0) {
            return true;
        }
        for (int i = json.indexOf("\\u0000"); i >= 0; i = json.indexOf("\\u0000", i + 1)) {
            int backslashes = 0;
            for (int k = i - 1; k >= 0 && json.charAt(k) == '\\'; k--) {
                backslashes++;
            }
            if (backslashes % 2 == 0) {
                return true;
            }
        }
        return false;
    }

    /** A result holding a NUL character, which Postgres cannot store: the attempt fails instead. */
    static final class ResultNotStorableException extends RuntimeException {
        ResultNotStorableException() {
            super("the result contains a NUL character (\\u0000), which cannot be stored");
        }
    }

    /** A job names a workflow this process does not have (its jar was removed): no retry can help. */
    static final class UnknownWorkflowException extends RuntimeException {
        UnknownWorkflowException(String name) {
            super("unknown workflow '" + name + "'");
        }
    }
}
