package com.levqor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundTest {
    @Test
    void runsOnItsOwnNamedThreadAndJoinGivesTheResult() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Background<String> b = Background.start("test", () -> {
            assertThat(go.await(10, TimeUnit.SECONDS)).isTrue();
            return Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? " daemon" : "");
        });
        assertThat(b.done()).as("the caller went on while the work waits").isFalse();
        go.countDown();
        assertThat(b.join()).isEqualTo("levqor-start-test daemon");
        assertThat(b.done()).isTrue();
    }

    @Test
    void joinThrowsWhatTheWorkThrewAsIfItHadRunInPlace() {
        IllegalStateException failure = new IllegalStateException("pool did not start");
        assertThatThrownBy(() -> Background.start("fails", () -> {
            throw failure;
        }).join()).isSameAs(failure);
        assertThatThrownBy(() -> Background.start("error", () -> {
            throw new AssertionError("an error");
        }).join()).isInstanceOf(AssertionError.class).hasMessage("an error");
        assertThatThrownBy(() -> Background.start("checked", () -> {
            throw new IOException("disk");
        }).join()).isInstanceOf(IllegalStateException.class).hasMessage("disk").hasCauseInstanceOf(IOException.class);
    }

    @Test
    void heldWorkBeginsAtBeginOrAtTheFirstJoinAndOnlyOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Background<Integer> held = Background.held("held", runs::incrementAndGet);
        Thread.sleep(50);
        assertThat(runs.get()).as("held work has not run").isZero();
        assertThat(held.begun()).isFalse();
        assertThat(held.join()).as("join begins it").isEqualTo(1);
        assertThat(held.begun()).isTrue();
        held.begin();
        assertThat(held.join()).isEqualTo(1);
        assertThat(runs.get()).isEqualTo(1);

        CountDownLatch ran = new CountDownLatch(1);
        Background<String> begun = Background.held("begun", () -> {
            ran.countDown();
            return Thread.currentThread().getName();
        });
        begun.begin();
        assertThat(ran.await(10, TimeUnit.SECONDS)).as("begin runs it without a join").isTrue();
        assertThat(begun.join()).isEqualTo("levqor-start-begun");
        assertThat(Background.start("started", () -> 1).begun()).isTrue();
    }
}
