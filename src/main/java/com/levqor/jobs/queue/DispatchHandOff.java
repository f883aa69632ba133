package com.levqor.jobs.queue;

import com.levqor.jobs.model.JobRef;
import com.levqor.runtime.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands committed jobs to the {@link Dispatcher} without holding up whoever committed them. In async
 * mode a push to Redis is a round trip, so one thread of its own makes it, all that waits in one
 * exchange, and the committer (an intake writer) goes straight on to its next batch; in sync mode the
 * jobs go to the in-process pool at once. A job whose push fails is delivered as the dispatcher
 * decides (in-process, or later by the sweeper).
 */
public final class DispatchHandOff implements Service {
    private static final Logger log = LoggerFactory.getLogger(DispatchHandOff.class);
    /** How long {@link #close} lets the thread push what is waiting. */
    public static final long CLOSE_MILLIS = 5_000;
    private static final long IDLE_POLL_MILLIS = 100;

    private final Dispatcher dispatcher;
    private final BlockingDeque<List<JobRef>> waiting = new LinkedBlockingDeque<>();
    private final Thread thread;
    private volatile boolean stopping;

    /** @param name the thread is {@code levqor-<name>} */
    public DispatchHandOff(String name, Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        this.thread = new Thread(this::loop, "levqor-" + name);
        this.thread.setDaemon(true);
    }

    @Override
    public synchronized void start() {
        if (!stopping && thread.getState() == Thread.State.NEW) {
            thread.start();
        }
    }

    /** Hands committed, due jobs on: queued for the thread in async mode, dispatched at once otherwise. */
    public void handOff(List<JobRef> due) {
        if (due.isEmpty()) {
            return;
        }
        if (dispatcher.async()) {
            waiting.offer(due); // a Redis round trip: not on the committer's way to its next batch
        } else {
            dispatcher.dispatch(due);
        }
    }

    /** Pushes all that is waiting in one exchange, again and again, until stopped with nothing left. */
    private void loop() {
        List<JobRef> all = new ArrayList<>();
        while (true) {
            List<JobRef> refs;
            try {
                refs = waiting.pollFirst(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                refs = waiting.pollFirst(); // closing: push what is left, then stop
                if (refs == null) {
                    return;
                }
            }
            if (refs == null) {
                if (stopping && waiting.isEmpty()) {
                    return;
                }
                continue;
            }
            all.addAll(refs);
            while ((refs = waiting.pollFirst()) != null) {
                all.addAll(refs);
            }
            try {
                dispatcher.dispatch(all);
            } catch (RuntimeException | Error e) {
                log.error("Dispatching {} committed job(s) failed; the sweeper delivers them", all.size(), e);
            }
            all.clear();
        }
    }

    /** Whether the thread has ended (or never started). */
    public boolean stopped() {
        return !thread.isAlive();
    }

    @Override
    public void close() {
        closeBy(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_MILLIS));
    }

    /**
     * Stops once what was handed off is pushed, or at the deadline ({@link System#nanoTime()}): then
     * the thread is interrupted (it pushes what it holds and ends). Call it after the committers stopped.
     */
    public void closeBy(long deadlineNanos) {
        stopping = true;
        if (thread.isAlive()) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread.interrupt();
    }
}
