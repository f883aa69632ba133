package com.levqor.jobs;

import com.levqor.db.Jdbc;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.JobSource;
import com.levqor.ops.ErrorReporter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records outcomes in batches: one transaction for every outcome that finished meanwhile, then
 * metrics, the report of jobs that died (one per job, with the stack of its last error; a failed
 * attempt is only counted), callback wake-up, and the queue acknowledgements. {@link #THREADS}
 * recorders work side by side, so one batch is written while the previous one waits for its commit
 * (their batches never share a job: no lock waits between them). A database outage delays the
 * writes; they are retried until they land or the lease runs out. A batch the database refuses for
 * the data of one of its rows is written again in halves, down to that one outcome, which is recorded
 * as a failed attempt instead: one tenant's unstorable result never costs other jobs their outcome.
 */
final class Completer {
    private static final Logger log = LoggerFactory.getLogger(Completer.class);
    static final int MAX_BATCH = 1_000;
    /** Batches being recorded at the same time. */
    static final int THREADS = 2;

    record Done(RunningJob running, JobStore.Outcome outcome) {
    }

    interface Release {
        void released(RunningJob r);
    }

    private final JobStore store;
    private final JobExecutor executor;
    private final JobMetrics metrics;
    private final ErrorReporter reporter;
    private final Dispatcher dispatcher;
    private final Runnable callbackWake;
    private final Release release;
    private final LinkedBlockingQueue<Done> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    Completer(JobStore store, JobExecutor executor, JobMetrics metrics, ErrorReporter reporter, Dispatcher dispatcher,
              Runnable callbackWake, Release release) {
        this.store = store;
        this.executor = executor;
        this.metrics = metrics;
        this.reporter = reporter;
        this.dispatcher = dispatcher;
        this.callbackWake = callbackWake;
        this.release = release;
        for (int i = 1; i <= THREADS; i++) {
            Thread t = new Thread(this::loop, "levqor-completer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    void submit(RunningJob r, JobStore.Outcome outcome) {
        queue.add(new Done(r, outcome));
    }

    private void loop() {
        List<Done> batch = new ArrayList<>();
        while (!stopping || !queue.isEmpty()) {
            try {
                Done first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                record(batch);
            } catch (InterruptedException e) {
                if (!stopping) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void record(List<Done> batch) throws InterruptedException {
        List<JobStore.Outcome> outcomes = new ArrayList<>(batch.size());
        for (Done d : batch) {
            if (d.outcome() != null) {
                outcomes.add(d.outcome());
            }
        }
        boolean[] accepted = write(outcomes);
        boolean wakeCallbacks = false;
        for (int k = 0; k < outcomes.size(); k++) {
            JobStore.Outcome o = outcomes.get(k);
            ClaimedJob job = o.job();
            if (!accepted[k]) {
                metrics.finished(job.workflow(), "discarded");
                continue;
            }
            if (o instanceof JobStore.Succeeded) {
                metrics.finished(job.workflow(), "succeeded");
                wakeCallbacks |= job.hasCallback();
            } else if (o instanceof JobStore.Failed f) {
                // Counted, not reported: a job is reported once, when it dies (with its last error's stack).
                metrics.finished(job.workflow(), "failed");
                reporter.count("job_failed");
                if (log.isDebugEnabled()) {
                    log.debug("Job {} ({}) attempt {} of {} failed; retry at {}: {}", job.id(), job.workflow(),
                            job.attemptsUsed(), job.maxAttempts(), f.retryAt(), f.error(), f.cause());
                }
            } else if (o instanceof JobStore.Dead dead) {
                metrics.finished(job.workflow(), "dead");
                reporter.report("job_dead", "Job " + job.id() + " (" + job.workflow() + ") is dead after attempt "
                        + job.attemptsUsed() + " of " + job.maxAttempts()
                        + (job.attemptOffset() > 0 ? " (" + job.attempt() + " in total, retried from the DLQ)" : "")
                        + ": " + dead.error(), dead.cause(), context(job, dead.error()));
                wakeCallbacks |= job.hasCallback();
            } else {
                metrics.finished(job.workflow(), "released");
            }
        }
        if (wakeCallbacks) {
            callbackWake.run();
        }
        Map<JobSource, List<UUID>> bySource = new HashMap<>();
        for (Done d : batch) {
            bySource.computeIfAbsent(d.running().source, s -> new ArrayList<>()).add(d.running().job.id());
        }
        bySource.forEach((source, ids) -> {
            try {
                source.done(ids);
            } catch (RuntimeException e) {
                dispatcher.redisFailed(e);
            }
        });
        for (Done d : batch) {
            release.released(d.running());
        }
    }

    /**
     * Writes the outcomes in one transaction, retrying while the database cannot be reached (for at most
     * 60 s; then they are given up and the sweeper retries the jobs when their leases expire). Returns
     * which were accepted; an outcome the database refused is replaced in the list by what was recorded
     * instead.
     */
    private boolean[] write(List<JobStore.Outcome> outcomes) throws InterruptedException {
        long backoff = 100;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return store.complete(outcomes);
            } catch (RuntimeException e) {
                if (Jdbc.badRow(e)) {
                    log.warn("The database refused a batch of {} job outcome(s) for the data of a row ({}); "
                            + "recording them in halves", outcomes.size(), e.getMessage());
                    boolean[] accepted = new boolean[outcomes.size()];
                    writeApart(outcomes, 0, outcomes.size(), accepted, e);
                    return accepted;
                }
                if (System.nanoTime() > deadline) {
                    log.error("Giving up recording {} job outcome(s) after 60 s: {}; the sweeper will retry them "
                            + "when their leases expire", outcomes.size(), e.getMessage());
                    return new boolean[outcomes.size()];
                }
                log.warn("Could not record {} job outcome(s), retrying in {} ms: {}", outcomes.size(), backoff,
                        e.getMessage());
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 2_000);
            }
        }
    }

    /**
     * Writes outcomes [from, to), which the database refused together, in halves until each refused one
     * is alone ({@code refusal}: why the range was refused). Other failures of a half leave it
     * unrecorded (its leases expire and the sweeper retries the jobs).
     */
    private void writeApart(List<JobStore.Outcome> outcomes, int from, int to, boolean[] accepted,
                            RuntimeException refusal) {
        if (to - from == 1) {
            recordInstead(outcomes, from, accepted, refusal);
            return;
        }
        int mid = (from + to) >>> 1;
        for (int[] half : new int[][] {{from, mid}, {mid, to}}) {
            List<JobStore.Outcome> part = outcomes.subList(half[0], half[1]);
            try {
                System.arraycopy(store.complete(part), 0, accepted, half[0], part.size());
            } catch (RuntimeException e) {
                if (Jdbc.badRow(e)) {
                    writeApart(outcomes, half[0], half[1], accepted, e);
                } else {
                    log.warn("Could not record {} job outcome(s): {}", part.size(), e.getMessage());
                }
            }
        }
    }

    /** The outcome at {@code i} was refused alone: records the attempt as failed, for that reason, instead. */
    private void recordInstead(List<JobStore.Outcome> outcomes, int i, boolean[] accepted, RuntimeException refusal) {
        JobStore.Outcome refused = outcomes.get(i);
        log.warn("The database refused the outcome of job {} ({}, attempt {}): {}", refused.job().id(),
                refused.job().workflow(), refused.job().attempt(), refusal.getMessage());
        Optional<JobStore.Outcome> instead = executor.notStorable(refused, refusal);
        if (instead.isEmpty()) {
            return;
        }
        try {
            accepted[i] = store.complete(List.of(instead.get()))[0];
            outcomes.set(i, instead.get());
        } catch (RuntimeException e) {
            log.error("Could not record even the failure of job {}: {}; the sweeper retries it when its lease "
                    + "expires", refused.job().id(), e.getMessage());
        }
    }

    private static Map<String, Object> context(ClaimedJob job, String error) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("job_id", job.id().toString());
        c.put("account_id", job.accountId().toString());
        c.put("workflow", job.workflow());
        c.put("attempt", job.attempt());
        c.put("max_attempts", job.maxAttempts());
        c.put("error", error);
        return c;
    }

    /** Writes what is queued, then stops. */
    void close(long waitMillis) {
        stopping = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
