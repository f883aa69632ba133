package com.levqor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OnceTest {
    @Test
    void makesTheValueAtTheFirstUseOnlyEvenWithConcurrentCallers() throws Exception {
        AtomicInteger made = new AtomicInteger();
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Once<Object> once = new Once<>(() -> {
            made.incrementAndGet();
            making.countDown();
            try {
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new Object();
        });
        assertThat(made.get()).as("nothing made before the first use").isZero();
        assertThat(once.made()).isFalse();
        List<Object> seen = Collections.synchronizedList(new ArrayList<>());
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> seen.add(once.get()));
            t.start();
            callers.add(t);
        }
        assertThat(making.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        for (Thread t : callers) {
            t.join(10_000);
        }
        assertThat(made.get()).isEqualTo(1);
        assertThat(seen).hasSize(4).allSatisfy(v -> assertThat(v).isSameAs(once.get()));
        assertThat(once.made()).isTrue();
    }

    @Test
    void aFailureIsNotKeptTheNextUseTriesAgain() {
        AtomicInteger calls = new AtomicInteger();
        Once<String> once = new Once<>(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("not yet");
            }
            return "made";
        });
        assertThatThrownBy(once::get).hasMessage("not yet");
        assertThat(once.made()).isFalse();
        assertThat(once.get()).isEqualTo("made");
        assertThat(calls.get()).isEqualTo(2);
    }
}
