package com.levqor.jobs.queue;

import com.levqor.jobs.JobMetrics;
import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.JobState;
import com.levqor.jobs.JobStore;
import com.levqor.ops.ErrorReporter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every job moving, in each process, every {@code SWEEPER_INTERVAL_MS}: rescues jobs whose
 * lease expired (a crashed or hung worker), promotes retries that are due, and dispatches queued
 * jobs that are due but were never delivered (delayed jobs, pushes lost with a dying Redis, ids left
 * in Redis when the mode turned sync). Sweeps in several processes share the work through
 * {@code FOR UPDATE SKIP LOCKED}. Also refreshes the queue gauges.
 */
public final class Sweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);
    /** Most jobs one step of a sweep touches. */
    static final int BATCH = 1_000;
    private static final int REQUEUE_EVERY_SWEEPS = 10;

    private final JobStore store;
    private final Dispatcher dispatcher;
    private final JobMetrics metrics;
    private final ErrorReporter reporter;
    private final Clock clock;
    private final long intervalMillis;
    private final Duration redispatchAfter;
    private final Runnable callbackWake;
    private final Object wake = new Object();
    private volatile boolean redispatchAll;
    private volatile boolean closed;
    private Thread thread;
    private long sweeps;

    public Sweeper(JobStore store, Dispatcher dispatcher, JobMetrics metrics, ErrorReporter reporter, Clock clock,
                   long intervalMillis, Duration redispatchAfter, Runnable callbackWake) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.reporter = reporter;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.redispatchAfter = redispatchAfter;
        this.callbackWake = callbackWake;
        dispatcher.addListener(async -> {
            if (!async) {
                redispatchAll();
            }
        });
    }

    public void start() {
        thread = new Thread(this::loop, "levqor-sweeper");
        thread.setDaemon(true);
        thread.start();
    }

    /** Dispatches every queued, due job again at the next sweep (Redis went away with ids in it). */
    public void redispatchAll() {
        redispatchAll = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void loop() {
        while (!closed) {
            try {
                sweep();
            } catch (RuntimeException e) {
                log.warn("Sweep failed: {}", e.toString());
            }
            synchronized (wake) {
                if (closed || redispatchAll) {
                    continue;
                }
                try {
                    wake.wait(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One sweep (tests call it directly). */
    public void sweep() {
        sweeps++;
        Instant now = clock.instant();
        List<JobStore.Rescued> rescued = store.rescueExpiredLeases(now, BATCH);
        boolean callbacks = false;
        for (JobStore.Rescued r : rescued) {
            if (r.state() == JobState.DEAD) {
                metrics.finished(r.workflow(), "dead");
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("job_id", r.id().toString());
                c.put("account_id", r.accountId().toString());
                c.put("workflow", r.workflow());
                c.put("attempt", r.attempt());
                reporter.report("job_dead", "Job " + r.id() + " (" + r.workflow() + ") is dead: its lease expired "
                        + "during its last attempt " + r.attempt(), null, c);
                callbacks = true;
            } else {
                metrics.finished(r.workflow(), "failed");
            }
        }
        if (!rescued.isEmpty()) {
            log.warn("Rescued {} job(s) whose lease expired", rescued.size());
        }
        if (callbacks) {
            callbackWake.run();
        }
        store.promoteDueRetries(now, BATCH);
        boolean all = redispatchAll;
        redispatchAll = false;
        // With neither Redis nor local workers, the sweepers of the processes that have workers dispatch.
        if (dispatcher.async() || dispatcher.localWorkers()) {
            // A job dispatched long ago but still queued was lost on its way (a Redis that died) — or it is
            // waiting behind a backlog. While ids are waiting to be taken, only never-dispatched jobs (due
            // retries and delayed jobs) are dispatched: re-pushing the backlog would only duplicate it.
            Duration stale = all ? Duration.ZERO : backlog() > 0 ? null : redispatchAfter;
            List<JobRef> refs;
            do {
                refs = store.takeUndelivered(now, stale, BATCH);
                dispatcher.dispatch(refs);
            } while (all && refs.size() == BATCH);
        }
        if (dispatcher.async() && sweeps % REQUEUE_EVERY_SWEEPS == 0) {
            dispatcher.redis().ifPresent(q -> {
                try {
                    long moved = q.requeueAbandoned();
                    if (moved > 0) {
                        log.warn("Requeued {} id(s) from the processing lists of workers that stopped", moved);
                    }
                } catch (RuntimeException e) {
                    dispatcher.redisFailed(e);
                }
            });
        }
    }

    private long backlog() {
        try {
            return dispatcher.waiting();
        } catch (RuntimeException e) {
            dispatcher.redisFailed(e);
            return 0;
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
