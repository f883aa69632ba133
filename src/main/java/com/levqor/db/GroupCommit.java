package com.levqor.db;

import com.levqor.runtime.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: requests are gathered while the previous batch commits and handed to a
 * {@link Writer} together, so many requests share one statement and one commit. Several writer
 * threads take turns: while one commits, the next batch gathers for another. {@link #submit} never
 * blocks; each request is answered by the writer once its batch has committed.
 *
 * <p>A request not answered within the answer timeout fails: with a plain {@link TimeoutException}
 * when it was still queued (every writer is stuck; it is taken out, never written), with
 * {@link Unconfirmed} when its batch was committing (the commit may still land). {@link #close}
 * stops taking requests, lets the writers finish what was queued (bounded), and fails the rest.
 * Knows nothing of what is written: the writer does.
 *
 * @param <T> one item of a request (a request carries one or more)
 * @param <R> a request's answer
 */
public final class GroupCommit<T, R> implements Service {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** How long {@link #close} lets the writers finish what was queued. */
    public static final long CLOSE_MILLIS = 5_000;
    /** The watchdog looks this often at most (more often for short answer timeouts). */
    private static final long WATCHDOG_MAX_MILLIS = 1_000;
    /** How long an idle writer waits for a request before it looks whether it should stop. */
    private static final long IDLE_POLL_MILLIS = 100;

    /** Writes one batch: answers every request of it, each once its commit is done. */
    @FunctionalInterface
    public interface Writer<T, R> {
        /**
         * Writes the batch and completes each request's {@link Request#answer()}. A request left
         * unanswered when this throws fails with what it threw.
         */
        void write(List<Request<T, R>> batch);
    }

    /**
     * The answer to a request whose batch was still committing when the answer timeout passed: the
     * commit may yet land, so what it carried may be stored.
     */
    public static final class Unconfirmed extends TimeoutException {
        public Unconfirmed(String message) {
            super(message);
        }
    }

    /** One request: its items, written in the same batch and answered together. */
    public static final class Request<T, R> {
        private final List<T> items;
        private final CompletableFuture<R> answer = new CompletableFuture<>();
        private final long queuedAtNanos;

        private Request(List<T> items, long queuedAtNanos) {
            this.items = items;
            this.queuedAtNanos = queuedAtNanos;
        }

        public List<T> items() {
            return items;
        }

        /** Completed by the writer (or failed by the watchdog, a failing writer, or close). */
        public CompletableFuture<R> answer() {
            return answer;
        }
    }

    private final String name;
    private final int maxBatchItems;
    private final int queueCapacity;
    private final long answerTimeoutNanos;
    private final long watchdogEveryMillis;
    private final Writer<T, R> writer;
    private final BlockingDeque<Request<T, R>> queue;
    /** The batch each writer is committing (null when idle) and since when, for the watchdog. */
    private final AtomicReferenceArray<List<Request<T, R>>> writing;
    private final AtomicLongArray writingSince;
    private final Thread[] writers;
    private final Thread watchdog;
    private boolean started;
    private volatile boolean stopped;
    /** Set when close's deadline passed: the writers take nothing more. */
    private volatile boolean abandoned;

    /**
     * @param name              names the threads ({@code levqor-<name>-1…}, {@code levqor-<name>-watchdog}) and messages
     * @param writers           writer threads taking turns (batches committing at the same time)
     * @param maxBatchItems     items written in one batch at most (a larger request is written alone)
     * @param queueCapacity     requests waiting at most; beyond it {@link #submit} refuses
     * @param answerTimeoutMillis a request not answered within this long fails (see the class comment)
     */
    public GroupCommit(String name, int writers, int maxBatchItems, int queueCapacity, long answerTimeoutMillis,
                       Writer<T, R> writer) {
        this.name = name;
        this.maxBatchItems = maxBatchItems;
        this.queueCapacity = queueCapacity;
        this.answerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(answerTimeoutMillis);
        this.watchdogEveryMillis = Math.max(10, Math.min(WATCHDOG_MAX_MILLIS, answerTimeoutMillis / 4));
        this.writer = writer;
        this.queue = new LinkedBlockingDeque<>(queueCapacity);
        this.writing = new AtomicReferenceArray<>(writers);
        this.writingSince = new AtomicLongArray(writers);
        this.writers = new Thread[writers];
        for (int i = 0; i < writers; i++) {
            int slot = i;
            this.writers[i] = new Thread(() -> writeLoop(slot), "levqor-" + name + "-" + (i + 1));
            this.writers[i].setDaemon(true);
        }
        this.watchdog = new Thread(this::watch, "levqor-" + name + "-watchdog");
        this.watchdog.setDaemon(true);
    }

    /** Starts the writers and the watchdog. */
    @Override
    public synchronized void start() {
        if (started || stopped) {
            return;
        }
        started = true;
        for (Thread w : writers) {
            w.start();
        }
        watchdog.start();
    }

    /**
     * Queues a request for the next batch. Does not block: the answer completes on a writer thread
     * once its batch committed (keep what runs on it short), or fails as the class comment says.
     *
     * @throws IllegalStateException when stopped or the queue is full
     */
    public CompletableFuture<R> submit(List<T> items) {
        if (stopped) {
            throw new IllegalStateException(name + " is stopped");
        }
        Request<T, R> mine = new Request<>(items, System.nanoTime());
        if (!queue.offer(mine)) {
            throw new IllegalStateException(name + " queue is full (" + queueCapacity + " requests)");
        }
        return mine.answer;
    }

    /** The longest a request waits for its answer, the watchdog's delay included. */
    public long longestWaitMillis() {
        return TimeUnit.NANOSECONDS.toMillis(answerTimeoutNanos) + WATCHDOG_MAX_MILLIS;
    }

    private void writeLoop(int slot) {
        while (true) {
            Request<T, R> first;
            try {
                first = queue.pollFirst(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                if (stopped && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            if (abandoned) {
                first.answer.completeExceptionally(notWritten());
                return;
            }
            List<Request<T, R>> batch = gather(first);
            writingSince.set(slot, System.nanoTime());
            writing.set(slot, batch);
            try {
                writer.write(batch);
            } catch (RuntimeException | Error e) {
                log.error("{} writer failed on a batch of {} request(s)", name, batch.size(), e);
                batch.forEach(x -> x.answer.completeExceptionally(e));
            } finally {
                writing.set(slot, null);
            }
            for (Request<T, R> r : batch) {
                if (!r.answer.isDone()) {
                    r.answer.completeExceptionally(new IllegalStateException(name + " writer left a request unanswered"));
                }
            }
        }
    }

    /** The first request and whatever gathered behind it, up to {@code maxBatchItems} items. */
    private List<Request<T, R>> gather(Request<T, R> first) {
        List<Request<T, R>> batch = new ArrayList<>();
        batch.add(first);
        int items = first.items.size();
        Request<T, R> r;
        while (items < maxBatchItems && (r = queue.pollFirst()) != null) {
            if (items + r.items.size() > maxBatchItems) {
                queue.offerFirst(r); // a large request waits for the next batch (it is written alone if need be)
                break;
            }
            batch.add(r);
            items += r.items.size();
        }
        return batch;
    }

    /** Runs until close interrupts it, once the writers are done. */
    private void watch() {
        while (true) {
            try {
                Thread.sleep(watchdogEveryMillis);
            } catch (InterruptedException e) {
                return;
            }
            failOverdue();
        }
    }

    /**
     * Fails what has waited past the answer timeout: requests still queued (every writer is stuck)
     * are taken out unwritten; a batch stuck in its commit is answered with {@link Unconfirmed} (the
     * commit may still land later, as with any client-side timeout).
     */
    private void failOverdue() {
        long now = System.nanoTime();
        Request<T, R> head;
        while ((head = queue.peekFirst()) != null && now - head.queuedAtNanos > answerTimeoutNanos) {
            if (queue.removeFirstOccurrence(head)) {
                head.answer.completeExceptionally(new TimeoutException("not written within "
                        + TimeUnit.NANOSECONDS.toMillis(answerTimeoutNanos) + " ms"));
            }
        }
        for (int i = 0; i < writers.length; i++) {
            List<Request<T, R>> batch = writing.get(i);
            if (batch != null && now - writingSince.get(i) > answerTimeoutNanos) {
                TimeoutException t = new Unconfirmed("no commit within "
                        + TimeUnit.NANOSECONDS.toMillis(answerTimeoutNanos) + " ms");
                batch.forEach(x -> x.answer.completeExceptionally(t));
            }
        }
    }

    /** Whether every thread (writers and watchdog) has ended, or never started. */
    public boolean stopped() {
        for (Thread w : writers) {
            if (w.isAlive()) {
                return false;
            }
        }
        return !watchdog.isAlive();
    }

    /** Stops taking requests; the writers finish what was queued for at most {@link #CLOSE_MILLIS}. */
    @Override
    public void close() {
        closeBy(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_MILLIS));
    }

    /**
     * Stops taking requests; the writers finish what was queued until the deadline
     * ({@link System#nanoTime()}), then are interrupted. What is still queued then fails.
     */
    public void closeBy(long deadlineNanos) {
        stopped = true;
        for (Thread w : writers) {
            if (!w.isAlive()) {
                continue;
            }
            try {
                w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        abandoned = true;
        for (Thread w : writers) {
            w.interrupt();
        }
        watchdog.interrupt();
        try {
            watchdog.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Request<T, R> left;
        while ((left = queue.pollFirst()) != null) {
            left.answer.completeExceptionally(notWritten());
        }
    }

    private IllegalStateException notWritten() {
        return new IllegalStateException(name + " stopped before this was written");
    }
}
