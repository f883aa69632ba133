package com.levqor.jobs.queue;

import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process queue of sync mode: one FIFO per priority, high taken first. An id already waiting
 * here is not added twice (the sweeper may dispatch a slow one again).
 *
 * <p>It holds about {@code capacity} ids ({@code SYNC_QUEUE_MAX_JOBS}), so a backlog that outgrows
 * the workers during a long Redis outage waits in Postgres, not in the heap: while it is full, intake
 * and the sweeper leave jobs undelivered ({@link #hasRoom()}, {@link #room()}) and say so
 * ({@link #markParked()}); once a take leaves it below half full, the listener of
 * {@link #onLow(Runnable)} (the sweeper's undelivered dispatch) is woken to refill it from Postgres.
 * The bound is soft: what is offered is always kept (a batch committed while the last room was taken
 * goes over it by that batch).
 */
public final class LocalQueue implements JobSource {
    private final int capacity;
    private final int lowWater;
    private final ArrayDeque<JobRef>[] lanes;
    private final Set<UUID> waiting = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    /** {@code waiting.size()}, readable without the lock. */
    private volatile int size;
    /** Jobs were left undelivered for want of room since the last wake of {@link #onLow}'s listener. */
    private volatile boolean parked;
    private volatile Runnable low = () -> { };

    /** @param capacity about the most ids held ({@code SYNC_QUEUE_MAX_JOBS}) */
    @SuppressWarnings("unchecked")
    public LocalQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.lowWater = Math.max(1, capacity / 2);
        lanes = new ArrayDeque[3];
        for (int i = 0; i < 3; i++) {
            lanes[i] = new ArrayDeque<>();
        }
    }

    public void offer(Collection<JobRef> refs) {
        lock.lock();
        try {
            for (JobRef r : refs) {
                if (waiting.add(r.id())) {
                    lanes[r.priority().level()].addLast(r);
                }
            }
            size = waiting.size();
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<JobRef> take(int max, long waitMillis) throws InterruptedException {
        List<JobRef> out = takeLocked(max, waitMillis);
        wakeIfParked();
        return out;
    }

    private List<JobRef> takeLocked(int max, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (waiting.isEmpty()) {
                if (nanos <= 0) {
                    return List.of();
                }
                nanos = nonEmpty.awaitNanos(nanos);
            }
            List<JobRef> out = new ArrayList<>(Math.min(max, waiting.size()));
            for (int level = Priority.HIGH.level(); level >= 0 && out.size() < max; level--) {
                ArrayDeque<JobRef> lane = lanes[level];
                while (out.size() < max && !lane.isEmpty()) {
                    JobRef r = lane.pollFirst();
                    waiting.remove(r.id());
                    out.add(r);
                }
            }
            size = waiting.size();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code waitMillis} for an id to arrive; true when there is one (takes nothing). */
    public boolean awaitNonEmpty(long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (waiting.isEmpty()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = nonEmpty.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void done(Collection<UUID> ids) {
        // Nothing to acknowledge: an id leaves this queue when it is taken.
    }

    public int size() {
        return size;
    }

    /** About the most ids held ({@code SYNC_QUEUE_MAX_JOBS}). */
    public int capacity() {
        return capacity;
    }

    /** How many more ids fit (0 when full). */
    public int room() {
        return Math.max(0, capacity - size);
    }

    public boolean hasRoom() {
        return size < capacity;
    }

    /** Jobs were left undelivered in Postgres for want of room: wake the listener when there is room again. */
    public void markParked() {
        parked = true;
        wakeIfParked(); // emptied meanwhile, no take may come to notice
    }

    private void wakeIfParked() {
        if (parked && size < lowWater) {
            parked = false;
            low.run();
        }
    }

    /**
     * {@code wake} runs (on the taking thread; it must be quick) when a take leaves the queue below half
     * full after jobs were {@linkplain #markParked() parked}.
     */
    public void onLow(Runnable wake) {
        this.low = wake;
    }

    @Override
    public String name() {
        return "local";
    }
}
