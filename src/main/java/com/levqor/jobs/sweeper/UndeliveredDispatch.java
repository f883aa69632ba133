package com.levqor.jobs.sweeper;

import com.levqor.jobs.JobStore;
import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.Priority;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands workers the queued, due jobs nobody is about to take. Every {@code SWEEPER_INTERVAL_MS} (and
 * when woken by {@link RetryPromotion}), in the processes that can deliver (async mode, or workers
 * here):
 * <ul>
 *   <li>jobs never dispatched since they became due (delayed jobs, promoted retries, jobs released at
 *       shutdown) are marked dispatched and dispatched, up to a batch a round;</li>
 *   <li>jobs whose id was lost on its way (a Redis that restarted empty, an id deleted, a claim that
 *       failed after the take) are found and sent again. In async mode, by the head of each Redis
 *       list: the lists are first in, first out, so a queued job dispatched {@code REDISPATCH_AFTER_MS}
 *       before the oldest id still waiting at the head of any list has left the lists; if it is still
 *       queued, its id was lost. Those ids go back to the front of their list (they are the oldest) with
 *       their dispatch time kept, which keeps the lists ordered by dispatch time and the next rounds from
 *       sending them again. So a lost id waits for what was queued before it, never for the whole
 *       backlog, and a live backlog is never pushed twice. With every list empty, anything dispatched
 *       {@code REDISPATCH_AFTER_MS} ago and still queued is lost. In sync mode (the in-process queue,
 *       which holds each id once), they are dispatched again when that queue is empty;</li>
 *   <li>after a switch to sync mode ({@link #redispatchAll}), every queued, due job is dispatched again
 *       to the in-process pool (its id may be waiting in a Redis that went away), a batch a round
 *       without pause until none dispatched before the switch is left.</li>
 * </ul>
 */
public final class UndeliveredDispatch implements Duty {
    /** Ids read from the head of each Redis list to find its oldest job still queued. */
    static final int HEAD_PROBE = 10;

    private final JobStore store;
    private final Dispatcher dispatcher;
    private final Clock clock;
    private final Duration interval;
    private final Duration redispatchAfter;
    private final int batch;
    /** Set by {@link #redispatchAll}: jobs dispatched before this instant are dispatched again. */
    private final AtomicReference<Instant> redispatchBefore = new AtomicReference<>();

    public UndeliveredDispatch(JobStore store, Dispatcher dispatcher, Clock clock, Duration interval,
                               Duration redispatchAfter, int batch) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.interval = interval;
        this.redispatchAfter = redispatchAfter;
        this.batch = batch;
    }

    @Override
    public String name() {
        return "undelivered-dispatch";
    }

    @Override
    public Duration interval() {
        return interval;
    }

    /**
     * Dispatches every queued, due job again from the next round on (Redis went away with ids in it);
     * wake the duty to start now.
     */
    public void redispatchAll() {
        redispatchBefore.set(clock.instant());
    }

    @Override
    public boolean runOnce() {
        Instant all = redispatchBefore.get();
        // With neither Redis nor local workers, the sweepers of the processes that have workers dispatch.
        if (!dispatcher.async() && !dispatcher.localWorkers()) {
            redispatchBefore.compareAndSet(all, null);
            return false;
        }
        Instant now = clock.instant();
        // Sync mode: no more than the in-process queue has room for; the rest waits in Postgres until a
        // take leaves that queue half empty and wakes this duty (LocalQueue#onLow).
        LocalQueue local = dispatcher.local();
        int limit = dispatcher.async() ? batch : Math.min(batch, local.room());
        if (limit == 0) {
            local.markParked();
            return false;
        }
        if (all != null) {
            // Only jobs dispatched before the switch: each round marks its own as dispatched now, so the
            // rounds move on through the backlog instead of taking the same oldest jobs again.
            List<JobRef> refs = store.takeUndelivered(now, all, limit);
            dispatcher.dispatch(refs);
            if (refs.size() == limit) {
                return roomFor(batch) || parked(local);
            }
            redispatchBefore.compareAndSet(all, null);
            return false;
        }
        List<JobRef> refs = store.takeUndelivered(now, null, limit);
        dispatcher.dispatch(refs);
        if (refs.size() == limit) {
            // A full batch (a backlog left undelivered: Redis was down, or this queue was full): the next
            // round at once, while there is room for it.
            return roomFor(batch) || parked(local);
        }
        int room = limit - refs.size();
        if (dispatcher.async()) {
            lostBefore(now).ifPresent(before -> dispatcher.redispatch(store.lostJobs(now, before, room)));
        } else if (local.size() == 0) {
            dispatcher.dispatch(store.takeUndelivered(now, now.minus(redispatchAfter), room));
        }
        return false;
    }

    /** True when the next round can take {@code n} jobs (always in async mode). */
    private boolean roomFor(int n) {
        return dispatcher.async() || dispatcher.local().room() >= n;
    }

    /** Sync mode without room for a full round: the queue's next fall below half wakes this duty. */
    private static boolean parked(LocalQueue local) {
        local.markParked();
        return false;
    }

    /**
     * In async mode: the instant before which a queued job's dispatch must lie for its id to have left
     * the lists; empty when that cannot be told this round (Redis failed, or the heads of a list
     * belong to jobs no longer queued: duplicates about to be dropped by the workers).
     */
    Optional<Instant> lostBefore(Instant now) {
        Instant bound = now.minus(redispatchAfter);
        RedisQueue redis = dispatcher.redis().orElseThrow();
        Map<Priority, List<UUID>> heads;
        try {
            heads = redis.heads(HEAD_PROBE);
        } catch (RuntimeException e) {
            dispatcher.redisFailed(e);
            return Optional.empty();
        }
        List<UUID> all = new ArrayList<>();
        heads.values().forEach(all::addAll);
        if (all.isEmpty()) {
            return Optional.of(bound);
        }
        Map<UUID, Instant> dispatched = store.queuedDispatchTimes(all);
        for (List<UUID> lane : heads.values()) {
            if (lane.isEmpty()) {
                continue;
            }
            Instant head = lane.stream().map(dispatched::get).filter(t -> t != null).findFirst().orElse(null);
            if (head == null) {
                return Optional.empty();
            }
            Instant laneBound = head.minus(redispatchAfter);
            if (laneBound.isBefore(bound)) {
                bound = laneBound;
            }
        }
        return Optional.of(bound);
    }
}
