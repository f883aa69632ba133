package com.levqor.jobs.sweeper;

import com.levqor.jobs.JobStore;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;

/**
 * Moves failed jobs whose retry is due back to {@code queued}, undelivered, and wakes the
 * {@link UndeliveredDispatch} to hand them to workers at once. Every {@code SWEEPER_INTERVAL_MS}, and
 * when {@link LeaseRescue} made jobs due.
 */
public final class RetryPromotion implements Duty {
    private final JobStore store;
    private final Clock clock;
    private final Duration interval;
    private final int batch;
    private final Runnable dispatchWake;

    public RetryPromotion(JobStore store, Clock clock, Duration interval, int batch, Runnable dispatchWake) {
        this.store = store;
        this.clock = clock;
        this.interval = interval;
        this.batch = batch;
        this.dispatchWake = dispatchWake;
    }

    @Override
    public String name() {
        return "retry-promotion";
    }

    @Override
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean runOnce() {
        if (store.promoteDueRetries(clock.instant(), batch) > 0) {
            dispatchWake.run();
        }
        return false;
    }
}
