package com.levqor.jobs.sweeper;

import com.levqor.jobs.JobMetrics;
import com.levqor.jobs.JobStore;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.ops.ErrorReporter;
import com.levqor.runtime.Duty;
import com.levqor.runtime.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The sweeper keeps every job moving, in each process: four duties on the process's
 * {@link Scheduler}, each every {@code SWEEPER_INTERVAL_MS} unless said otherwise, so that recovery
 * takes seconds:
 * <ol>
 *   <li>{@link LeaseRescue}: jobs whose lease expired (a crashed or hung worker) fail or die; it wakes</li>
 *   <li>{@link RetryPromotion}: failed jobs whose retry is due are queued again; it wakes</li>
 *   <li>{@link UndeliveredDispatch}: queued jobs never dispatched, or whose id was lost, go to workers;
 *       after a switch to sync mode, every queued job is dispatched again to the in-process pool;</li>
 *   <li>{@link AbandonedRequeue} (async mode, every {@link #REQUEUE_EVERY_SWEEPS} intervals): the
 *       processing lists of workers that stopped go back to the queue.</li>
 * </ol>
 * Sweepers of several processes share the work through {@code FOR UPDATE SKIP LOCKED}.
 */
public final class Sweeper {
    /** Most jobs one round of a duty touches. */
    public static final int BATCH = 1_000;
    /** The abandoned-list requeue runs once every this many sweep intervals (it scans Redis' keys). */
    public static final int REQUEUE_EVERY_SWEEPS = 10;

    private final LeaseRescue rescue;
    private final RetryPromotion promotion;
    private final UndeliveredDispatch dispatch;
    private final AbandonedRequeue requeue;

    private Sweeper(LeaseRescue rescue, RetryPromotion promotion, UndeliveredDispatch dispatch,
                    AbandonedRequeue requeue) {
        this.rescue = rescue;
        this.promotion = promotion;
        this.dispatch = dispatch;
        this.requeue = requeue;
    }

    /**
     * Adds the four duties to {@code scheduler}, each waking the next, and has a switch to sync mode
     * dispatch every queued job again.
     *
     * @param interval        {@code SWEEPER_INTERVAL_MS}
     * @param redispatchAfter {@code REDISPATCH_AFTER_MS}
     * @param callbackWake    wakes the callback sender (a rescued job died)
     */
    public static Sweeper schedule(Scheduler scheduler, JobStore store, Dispatcher dispatcher, JobMetrics metrics,
                                   ErrorReporter reporter, Clock clock, Duration interval, Duration redispatchAfter,
                                   Runnable callbackWake) {
        UndeliveredDispatch dispatch = new UndeliveredDispatch(store, dispatcher, clock, interval, redispatchAfter,
                BATCH);
        Scheduler.Handle dispatchHandle = scheduler.add(dispatch);
        dispatcher.local().onLow(dispatchHandle::wake); // jobs parked in Postgres while it was full
        RetryPromotion promotion = new RetryPromotion(store, clock, interval, BATCH, dispatchHandle::wake);
        Scheduler.Handle promotionHandle = scheduler.add(promotion);
        LeaseRescue rescue = new LeaseRescue(store, metrics, reporter, clock, interval, BATCH, promotionHandle::wake,
                callbackWake);
        scheduler.add(rescue);
        AbandonedRequeue requeue = new AbandonedRequeue(dispatcher, interval.multipliedBy(REQUEUE_EVERY_SWEEPS));
        scheduler.add(requeue);
        dispatcher.addListener(async -> {
            if (!async) {
                dispatch.redispatchAll();
                dispatchHandle.wake();
            }
        });
        return new Sweeper(rescue, promotion, dispatch, requeue);
    }

    /** The four duties, in the order of a job's recovery. */
    public List<Duty> duties() {
        return List.of(rescue, promotion, dispatch, requeue);
    }
}
