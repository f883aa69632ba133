package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.runtime.Heartbeat;
import com.levqor.runtime.Scheduler;
import com.levqor.testing.Await;
import com.levqor.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Liveness follows the scheduler: a heartbeat that stops ticking makes it 503, ticking again 200. */
class LivenessTest {

    @Test
    void aSchedulerThatStopsRunningItsDutiesMakesLivenessFail() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        Heartbeat heartbeat = new Heartbeat(clock);
        Liveness liveness = new Liveness(heartbeat);
        Scheduler scheduler = new Scheduler();
        scheduler.add(heartbeat);
        assertThat(liveness.check().httpStatus()).as("just started").isEqualTo(200);

        // Not started: nothing ticks, and time passes.
        clock.advance(Liveness.STUCK_AFTER.plusSeconds(1));
        Liveness.Answer stuck = liveness.check();
        assertThat(stuck.httpStatus()).isEqualTo(503);
        assertThat(stuck.body().get("status")).isEqualTo("stuck");
        assertThat(stuck.body().get("heartbeat_age_ms")).isEqualTo(Liveness.STUCK_AFTER.plusSeconds(1).toMillis());
        assertThat((String) stuck.body().get("message")).contains("no longer make progress");

        scheduler.start();
        try {
            Await.until("the heartbeat ticks", Duration.ofSeconds(10), () -> liveness.check().httpStatus() == 200);
            assertThat(liveness.check().body().get("status")).isEqualTo("alive");
        } finally {
            scheduler.close();
        }

        // Closed: the ticks stop for good.
        clock.advance(Liveness.STUCK_AFTER.plusSeconds(1));
        assertThat(liveness.check().httpStatus()).isEqualTo(503);
    }

    @Test
    void aClockThatWentBackIsNotAStuckScheduler() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        Heartbeat heartbeat = new Heartbeat(clock);
        clock.advance(Duration.ofMinutes(-5));
        assertThat(new Liveness(heartbeat).check().httpStatus()).isEqualTo(200);
        assertThat(new Liveness(heartbeat).check().body().get("heartbeat_age_ms")).isEqualTo(0L);
    }
}
