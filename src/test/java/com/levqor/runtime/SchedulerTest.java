package com.levqor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    /** A duty that counts its rounds; its interval is long, so only wakes make it run again. */
    private static class Counting implements Duty {
        final AtomicInteger rounds = new AtomicInteger();
        final AtomicInteger stopped = new AtomicInteger();
        final String name;
        final Duration interval;
        volatile boolean fail;

        Counting(String name, Duration interval) {
            this.name = name;
            this.interval = interval;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Duration interval() {
            return interval;
        }

        @Override
        public boolean runOnce() {
            rounds.incrementAndGet();
            if (fail) {
                throw new IllegalStateException("boom");
            }
            return false;
        }

        @Override
        public void stopped() {
            stopped.incrementAndGet();
        }
    }

    @Test
    void runsNothingBeforeStartThenRunsEachDutyOnItsOwnThread() throws Exception {
        Counting a = new Counting("test-a", Duration.ofHours(1));
        Counting b = new Counting("test-b", Duration.ofHours(1));
        try (Scheduler s = new Scheduler()) {
            s.add(a);
            s.add(b);
            Thread.sleep(50);
            assertThat(a.rounds.get()).isZero();
            s.start();
            Await.until("duty rounds", Duration.ofSeconds(5), () -> a.rounds.get() == 1 && b.rounds.get() == 1);
            assertThat(s.duties()).containsExactly("test-a", "test-b");
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("levqor-test-a", "levqor-test-b");
        }
        assertThat(a.stopped.get()).isEqualTo(1);
        assertThat(b.stopped.get()).isEqualTo(1);
    }

    @Test
    void wakeRunsARoundNowAndIntervalRunsItLater() throws Exception {
        Counting woken = new Counting("test-woken", Duration.ofHours(1));
        Counting ticking = new Counting("test-ticking", Duration.ofMillis(20));
        try (Scheduler s = new Scheduler()) {
            Scheduler.Handle h = s.add(woken);
            s.add(ticking);
            s.start();
            Await.until("duty rounds", Duration.ofSeconds(5), () -> woken.rounds.get() == 1);
            h.wake();
            Await.until("duty rounds", Duration.ofSeconds(5), () -> woken.rounds.get() == 2);
            Await.until("duty rounds", Duration.ofSeconds(5), () -> ticking.rounds.get() >= 5);
        }
    }

    @Test
    void aFailingRoundDoesNotStopTheDuty() throws Exception {
        Counting d = new Counting("test-failing", Duration.ofMillis(10));
        d.fail = true;
        try (Scheduler s = new Scheduler()) {
            s.add(d);
            s.start();
            Await.until("duty rounds", Duration.ofSeconds(5), () -> d.rounds.get() >= 3);
        }
    }

    @Test
    void closeEndsABlockedRoundAndLeavesNoThread() throws Exception {
        CountDownLatch inRound = new CountDownLatch(1);
        Duty blocking = new Duty() {
            @Override
            public String name() {
                return "test-blocking";
            }

            @Override
            public Duration interval() {
                return Duration.ofHours(1);
            }

            @Override
            public boolean runOnce() throws Exception {
                inRound.countDown();
                Thread.sleep(TimeUnit.HOURS.toMillis(1)); // interrupted by close()
                return false;
            }
        };
        Scheduler s = new Scheduler();
        s.add(blocking);
        s.start();
        assertThat(inRound.await(5, TimeUnit.SECONDS)).isTrue();
        s.close();
        Await.until("the duty thread ends", Duration.ofSeconds(5), () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("levqor-test-blocking")));
    }

    @Test
    void lifecycleStartsServicesInOrderAndClosesInReverse() {
        List<String> events = new CopyOnWriteArrayList<>();
        class Part implements Service {
            final String name;

            Part(String name) {
                this.name = name;
            }

            @Override
            public void start() {
                events.add("start " + name);
            }

            @Override
            public void close() {
                events.add("close " + name);
            }
        }
        Lifecycle l = new Lifecycle();
        l.add("one", new Part("one"));
        l.add("plain", (AutoCloseable) () -> events.add("close plain"));
        l.add("two", new Part("two"));
        l.start();
        l.close();
        l.close();
        assertThat(events).containsExactly("start one", "start two", "close two", "close plain", "close one");
    }

    @Test
    void lifecycleClosesWhatStartedWhenAStartFails() {
        List<String> events = new CopyOnWriteArrayList<>();
        Lifecycle l = new Lifecycle();
        l.add("ok", new Service() {
            @Override
            public void start() {
                events.add("start ok");
            }

            @Override
            public void close() {
                events.add("close ok");
            }
        });
        l.add("bad", new Service() {
            @Override
            public void start() {
                throw new IllegalStateException("cannot start");
            }

            @Override
            public void close() {
                events.add("close bad");
            }
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(l::start).hasMessage("cannot start");
        assertThat(events).containsExactly("start ok", "close bad", "close ok");
    }

    @Test
    void heldDutiesWaitForTheReleaseBeforeTheirFirstRoundAndCloseWhileHeld() throws Exception {
        Counting held = new Counting("test-held", Duration.ofHours(1));
        try (Scheduler s = new Scheduler()) {
            s.holdFirstRounds();
            s.add(held);
            s.start();
            held.rounds.get(); // started: its thread is waiting for the release
            Await.sleep(200);
            assertThat(held.rounds.get()).as("no round before the release").isZero();
            s.releaseFirstRounds();
            Await.until("first round after the release", Duration.ofSeconds(5), () -> held.rounds.get() == 1);
        }
        Counting never = new Counting("test-never", Duration.ofHours(1));
        Scheduler s = new Scheduler();
        s.holdFirstRounds();
        s.add(never);
        s.start();
        s.close(); // never released: close ends the waiting thread
        assertThat(never.stopped.get()).as("its thread ended through stopped()").isEqualTo(1);
        assertThat(never.rounds.get()).isZero();
    }

    @Test
    void aReleaseWithADelayStartsTheFirstRoundsOnlyAfterItEvenWhenWokenAndCloseEndsTheWait() {
        Counting later = new Counting("test-later", Duration.ofHours(1));
        try (Scheduler s = new Scheduler()) {
            s.holdFirstRounds();
            Scheduler.Handle h = s.add(later);
            s.start();
            long released = System.nanoTime();
            s.releaseFirstRounds(Duration.ofMillis(700));
            h.wake();
            Await.until("first round after the delay", Duration.ofSeconds(10), () -> later.rounds.get() == 1);
            assertThat(System.nanoTime() - released).as("ns from the release to the first round")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(700).toNanos());
            Await.sleep(200);
            assertThat(later.rounds.get()).as("the early wake made no second round").isEqualTo(1);
        }
        Counting urgent = new Counting("test-urgent", Duration.ofHours(1)) {
            @Override
            public boolean deferrable() {
                return false;
            }
        };
        try (Scheduler s = new Scheduler()) {
            s.holdFirstRounds();
            s.add(urgent);
            s.start();
            Await.sleep(200);
            assertThat(urgent.rounds.get()).as("held like every duty until the release").isZero();
            s.releaseFirstRounds(Duration.ofHours(1));
            Await.until("a duty that is not deferrable runs at the release", Duration.ofSeconds(10),
                    () -> urgent.rounds.get() == 1);
        }
        Counting never = new Counting("test-never-delayed", Duration.ofHours(1));
        Scheduler s = new Scheduler();
        s.holdFirstRounds();
        s.add(never);
        s.start();
        s.releaseFirstRounds(Duration.ofHours(1));
        s.close(); // waiting out the delay: close ends it
        assertThat(never.stopped.get()).isEqualTo(1);
        assertThat(never.rounds.get()).isZero();
    }
}
