package com.levqor.jobs.sweeper;

import static com.levqor.testing.JobRows.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.jobs.model.JobState;
import com.levqor.runtime.Scheduler;
import com.levqor.testing.Await;
import com.levqor.testing.JobRows;
import com.levqor.testing.Threads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryPromotionTest {

    static UUID failed(JobRows rows, Instant retryAt) {
        return rows.insert(JobState.FAILED, r -> {
            r.setAttempt(1);
            r.setRunAt(at(retryAt));
            r.setDispatchedAt(at(Instant.now().minusSeconds(60)));
        });
    }

    @Test
    void queuesDueRetriesUndeliveredAndWakesTheDispatchUntilItsSchedulerCloses() {
        try (JobRows rows = JobRows.open()) {
            UUID due = failed(rows, Instant.now().minusSeconds(1));
            UUID later = failed(rows, Instant.now().plusSeconds(600));
            AtomicInteger dispatchWakes = new AtomicInteger();
            Scheduler scheduler = new Scheduler();
            scheduler.add(new RetryPromotion(rows.store(), Clock.systemUTC(), Duration.ofMillis(50), 100,
                    dispatchWakes::incrementAndGet));
            scheduler.start();
            Await.until("the due retry is queued", Duration.ofSeconds(10), () -> rows.state(due).equals("queued"));
            assertThat(rows.row(due).getDispatchedAt()).as("undelivered, for the dispatch").isNull();
            assertThat(rows.state(later)).isEqualTo("failed");
            // The promotion commits, then wakes the dispatch: the wake may come a moment after the state is read.
            Await.until("the dispatch is woken", Duration.ofSeconds(10), () -> dispatchWakes.get() > 0);
            assertThat(Threads.alive("levqor-retry-promotion")).isTrue();

            scheduler.close();
            Threads.awaitGone("levqor-retry-promotion");
            UUID after = failed(rows, Instant.now().minusSeconds(1));
            Await.sleep(300);
            assertThat(rows.state(after)).as("no promotion after close").isEqualTo("failed");
        }
    }
}
