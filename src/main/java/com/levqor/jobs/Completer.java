package com.levqor.jobs;

import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.JobSource;
import com.levqor.ops.ErrorReporter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records outcomes in batches: one transaction for every outcome that finished meanwhile, then
 * metrics, error reports of failed and dead jobs, callback wake-up, and the queue acknowledgements.
 * {@link #THREADS} recorders work side by side, so one batch is written while the previous one waits
 * for its commit (their batches never share a job: no lock waits between them). A database outage
 * delays the writes; they are retried until they land or the lease runs out.
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
    private final JobMetrics metrics;
    private final ErrorReporter reporter;
    private final Dispatcher dispatcher;
    private final Runnable callbackWake;
    private final Release release;
    private final LinkedBlockingQueue<Done> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    Completer(JobStore store, JobMetrics metrics, ErrorReporter reporter, Dispatcher dispatcher, Runnable callbackWake,
              Release release) {
        this.store = store;
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
        boolean[] accepted = null;
        long backoff = 100;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (accepted == null) {
            try {
                accepted = store.complete(outcomes);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    log.error("Giving up recording {} job outcome(s) after 60 s: {}; the sweeper will retry them "
                            + "when their leases expire", outcomes.size(), e.getMessage());
                    accepted = new boolean[outcomes.size()];
                    break;
                }
                log.warn("Could not record {} job outcome(s), retrying in {} ms: {}", outcomes.size(), backoff,
                        e.getMessage());
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 2_000);
            }
        }
        boolean wakeCallbacks = false;
        int k = 0;
        for (Done d : batch) {
            JobStore.Outcome o = d.outcome();
            if (o == null) {
                continue;
            }
            boolean ok = accepted[k++];
            ClaimedJob job = o.job();
            if (!ok) {
                metrics.finished(job.workflow(), "discarded");
                continue;
            }
            if (o instanceof JobStore.Succeeded) {
                metrics.finished(job.workflow(), "succeeded");
                wakeCallbacks |= job.hasCallback();
            } else if (o instanceof JobStore.Failed f) {
                metrics.finished(job.workflow(), "failed");
                reporter.report("job_failed", "Job " + job.id() + " (" + job.workflow() + ") attempt " + job.attemptsUsed()
                        + " of " + job.maxAttempts() + " failed; retry at " + f.retryAt(), null, context(job, f.error()));
            } else if (o instanceof JobStore.Dead dead) {
                metrics.finished(job.workflow(), "dead");
                reporter.report("job_dead", "Job " + job.id() + " (" + job.workflow() + ") is dead after attempt "
                        + job.attemptsUsed() + " of " + job.maxAttempts()
                        + (job.attemptOffset() > 0 ? " (" + job.attempt() + " in total, retried from the DLQ)" : ""), null, context(job, dead.error()));
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
