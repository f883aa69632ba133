package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The group-commit writer on its own, with a writer that only records what it was given: batching,
 * writers taking turns, the answer timeout, the bounded queue and close.
 */
class GroupCommitTest {
    private static final long NO_TIMEOUT = 60_000;

    /** Records each batch (the items of its requests) and answers each request with its items' sum. */
    private static final class Recorder implements GroupCommit.Writer<Integer, Integer> {
        final List<List<List<Integer>>> batches = new CopyOnWriteArrayList<>();
        /** Writes wait for a permit when gated. */
        final Semaphore gate = new Semaphore(0);
        volatile boolean gated;
        final AtomicInteger writing = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();

        @Override
        public void write(List<GroupCommit.Request<Integer, Integer>> batch) {
            int now = writing.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            try {
                List<List<Integer>> items = new ArrayList<>();
                batch.forEach(r -> items.add(r.items()));
                batches.add(items);
                if (gated) {
                    gate.acquireUninterruptibly();
                }
                batch.forEach(r -> r.answer().complete(r.items().stream().mapToInt(Integer::intValue).sum()));
            } finally {
                writing.decrementAndGet();
            }
        }
    }

    private static GroupCommit<Integer, Integer> commits(int writers, int maxBatch, int capacity, long timeoutMillis,
                                                         GroupCommit.Writer<Integer, Integer> writer) {
        return new GroupCommit<>("gc-test", writers, maxBatch, capacity, timeoutMillis, writer);
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            Object r = f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("answered " + r + " instead of failing");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static List<String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("levqor-gc-test")).toList();
    }

    @Test
    void requestsArrivingWhileABatchCommitsAreWrittenTogetherAndAnswered() throws Exception {
        Recorder w = new Recorder();
        w.gated = true;
        try (GroupCommit<Integer, Integer> gc = commits(1, 100, 100, NO_TIMEOUT, w)) {
            gc.start();
            CompletableFuture<Integer> first = gc.submit(List.of(1));
            Await.until("the writer took the first request", Duration.ofSeconds(5), () -> w.batches.size() == 1);
            CompletableFuture<Integer> b = gc.submit(List.of(2, 3));
            CompletableFuture<Integer> c = gc.submit(List.of(4));
            w.gated = false;
            w.gate.release();

            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(b.get(5, TimeUnit.SECONDS)).isEqualTo(5);
            assertThat(c.get(5, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(w.batches).containsExactly(List.of(List.of(1)), List.of(List.of(2, 3), List.of(4)));
        }
    }

    @Test
    void aBatchHoldsAtMostItsItemsAndARequestThatWouldPassThemWaitsForTheNext() throws Exception {
        Recorder w = new Recorder();
        w.gated = true;
        try (GroupCommit<Integer, Integer> gc = commits(1, 5, 100, NO_TIMEOUT, w)) {
            gc.start();
            CompletableFuture<Integer> blocker = gc.submit(List.of(0));
            Await.until("the writer took the first request", Duration.ofSeconds(5), () -> w.batches.size() == 1);
            List<CompletableFuture<Integer>> answers = List.of(gc.submit(List.of(1, 1, 1)), gc.submit(List.of(2, 2, 2)),
                    gc.submit(List.of(3, 3)), gc.submit(List.of(9, 9, 9, 9, 9, 9, 9)));
            w.gated = false;
            w.gate.release();
            for (CompletableFuture<Integer> a : answers) {
                a.get(5, TimeUnit.SECONDS);
            }
            blocker.get(5, TimeUnit.SECONDS);
            assertThat(w.batches).containsExactly(
                    List.of(List.of(0)),
                    List.of(List.of(1, 1, 1)),
                    List.of(List.of(2, 2, 2), List.of(3, 3)),
                    List.of(List.of(9, 9, 9, 9, 9, 9, 9))); // larger than a batch: written alone
        }
    }

    @Test
    void writersTakeTurnsWhileOneCommitsTheNextBatchIsWritten() throws Exception {
        Recorder w = new Recorder();
        w.gated = true;
        try (GroupCommit<Integer, Integer> gc = commits(2, 100, 100, NO_TIMEOUT, w)) {
            gc.start();
            CompletableFuture<Integer> a = gc.submit(List.of(1));
            Await.until("one writer holds a batch", Duration.ofSeconds(5), () -> w.writing.get() == 1);
            CompletableFuture<Integer> b = gc.submit(List.of(2));
            Await.until("the other writer takes the next batch meanwhile", Duration.ofSeconds(5),
                    () -> w.writing.get() == 2);
            w.gated = false;
            w.gate.release(2);
            assertThat(a.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(b.get(5, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(w.mostAtOnce.get()).isEqualTo(2);
        }
    }

    @Test
    void aStuckCommitIsUnconfirmedAndRequestsQueuedBehindItAreTakenOutUnwritten() throws Exception {
        Recorder w = new Recorder();
        w.gated = true;
        try (GroupCommit<Integer, Integer> gc = commits(1, 100, 100, 300, w)) {
            gc.start();
            CompletableFuture<Integer> stuck = gc.submit(List.of(1));
            Await.until("the writer took it", Duration.ofSeconds(5), () -> w.batches.size() == 1);
            CompletableFuture<Integer> queued = gc.submit(List.of(2));

            assertThat(failure(stuck)).isInstanceOf(GroupCommit.Unconfirmed.class).hasMessageContaining("no commit");
            Throwable dropped = failure(queued);
            assertThat(dropped).isInstanceOf(TimeoutException.class).isNotInstanceOf(GroupCommit.Unconfirmed.class);

            w.gated = false;
            w.gate.release();
            CompletableFuture<Integer> later = gc.submit(List.of(3));
            assertThat(later.get(5, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(w.batches).containsExactly(List.of(List.of(1)), List.of(List.of(3))); // 2 was never written
        }
    }

    @Test
    void theQueueIsBounded() {
        try (GroupCommit<Integer, Integer> gc = commits(1, 100, 2, NO_TIMEOUT, new Recorder())) {
            gc.submit(List.of(1));
            gc.submit(List.of(2)); // not started: nothing takes them
            assertThatThrownBy(() -> gc.submit(List.of(3))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("gc-test queue is full (2 requests)");
        }
    }

    @Test
    void aWriterThatThrowsFailsItsBatchAndOneThatForgetsARequestFailsThatOne() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        GroupCommit.Writer<Integer, Integer> w = batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalArgumentException("boom");
            }
            batch.get(0).answer().complete(0); // the others are forgotten
        };
        try (GroupCommit<Integer, Integer> gc = commits(1, 100, 100, NO_TIMEOUT, w)) {
            gc.start();
            assertThat(failure(gc.submit(List.of(1)))).isInstanceOf(IllegalArgumentException.class).hasMessage("boom");
            CompletableFuture<Integer> answered = gc.submit(List.of(2));
            assertThat(answered.get(5, TimeUnit.SECONDS)).isZero();
        }
        GroupCommit.Writer<Integer, Integer> forgetful = batch -> { };
        try (GroupCommit<Integer, Integer> gc = commits(1, 100, 100, NO_TIMEOUT, forgetful)) {
            gc.start();
            assertThat(failure(gc.submit(List.of(1)))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("unanswered");
        }
    }

    @Test
    void closeWritesWhatWasQueuedThenEveryThreadStopsAndNothingMoreIsTaken() throws Exception {
        Recorder w = new Recorder();
        w.gated = true;
        GroupCommit<Integer, Integer> gc = commits(2, 100, 100, NO_TIMEOUT, w);
        gc.start();
        assertThat(liveThreads()).containsExactlyInAnyOrder("levqor-gc-test-1", "levqor-gc-test-2",
                "levqor-gc-test-watchdog");
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(gc.submit(List.of(i)));
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(gc::close);
        w.gated = false;
        w.gate.release(10);
        closing.get(10, TimeUnit.SECONDS);

        for (int i = 0; i < 10; i++) {
            assertThat(answers.get(i).get(1, TimeUnit.SECONDS)).isEqualTo(i);
        }
        Await.until("every thread ended", Duration.ofSeconds(5), () -> gc.stopped() && liveThreads().isEmpty());
        assertThatThrownBy(() -> gc.submit(List.of(1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("gc-test is stopped");
    }

    @Test
    void whatCannotBeWrittenByTheDeadlineFailsAndTheStuckWriterIsInterrupted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        GroupCommit.Writer<Integer, Integer> stuck = batch -> {
            entered.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                batch.forEach(r -> r.answer().completeExceptionally(e));
            }
        };
        GroupCommit<Integer, Integer> gc = commits(1, 100, 100, NO_TIMEOUT, stuck);
        gc.start();
        CompletableFuture<Integer> writing = gc.submit(List.of(1));
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Integer> waiting = gc.submit(List.of(2));
        gc.closeBy(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));

        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(failure(writing)).isInstanceOf(InterruptedException.class);
        assertThat(failure(waiting)).isInstanceOf(IllegalStateException.class)
                .hasMessage("gc-test stopped before this was written");
        Await.until("every thread ended", Duration.ofSeconds(5), gc::stopped);
    }

    @Test
    void closingWhatNeverStartedFailsItsRequestsAndStartsNothing() throws Exception {
        GroupCommit<Integer, Integer> gc = commits(1, 100, 100, NO_TIMEOUT, new Recorder());
        CompletableFuture<Integer> queued = gc.submit(List.of(1));
        gc.close();
        gc.start();
        assertThat(failure(queued)).isInstanceOf(IllegalStateException.class);
        assertThat(gc.stopped()).isTrue();
        assertThat(liveThreads()).isEmpty();
    }
}
