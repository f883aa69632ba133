package com.levqor.jobs;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * The queue's counts, shared by every caller for a while: probes polling queue health in a tight
 * loop (and the metrics' gauges, when scraped) read one count instead of piling up on a busy
 * database. A count reads every waiting job, so the while grows with what the count costs: 10 times
 * its duration, at least {@link #MIN_AGE_NANOS} and at most {@link #MAX_AGE_NANOS} (a backlog of
 * 200,000 jobs took 0.46 s to count; counting it every second took a third of a database core).
 */
public final class QueueCounts implements Supplier<JobStore.Counts> {
    static final long MIN_AGE_NANOS = 250_000_000L;
    static final long MAX_AGE_NANOS = 5_000_000_000L;

    private final JobStore store;
    private final Clock clock;
    private final Object lock = new Object();
    private volatile CountsAt counts;

    public QueueCounts(JobStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The last count while it is fresh, else a new one (one caller counts, the others wait for it). */
    @Override
    public JobStore.Counts get() {
        CountsAt c = counts;
        if (c != null && c.fresh()) {
            return c.counts();
        }
        synchronized (lock) {
            c = counts;
            if (c != null && c.fresh()) {
                return c.counts(); // counted by another caller while this one waited
            }
            long t0 = System.nanoTime();
            JobStore.Counts fresh = store.counts(clock.instant());
            long t1 = System.nanoTime();
            counts = new CountsAt(fresh, t1, Math.min(MAX_AGE_NANOS, Math.max(MIN_AGE_NANOS, 10 * (t1 - t0))));
            return fresh;
        }
    }

    private record CountsAt(JobStore.Counts counts, long atNanos, long maxAgeNanos) {
        boolean fresh() {
            return System.nanoTime() - atNanos < maxAgeNanos;
        }
    }
}
