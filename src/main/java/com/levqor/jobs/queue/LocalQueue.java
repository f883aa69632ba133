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
 */
public final class LocalQueue implements JobSource {
    private final ArrayDeque<JobRef>[] lanes;
    private final Set<UUID> waiting = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();

    @SuppressWarnings("unchecked")
    public LocalQueue() {
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
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<JobRef> take(int max, long waitMillis) throws InterruptedException {
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
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return "local";
    }
}
