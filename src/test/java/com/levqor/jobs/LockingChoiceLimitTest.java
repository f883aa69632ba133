package com.levqor.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.jobs.model.JobState;
import com.levqor.testing.JobRows;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A limited, locking choice takes at most its limit: {@code id IN (SELECT … LIMIT n FOR UPDATE SKIP
 * LOCKED)} may be run again for every row of a nested loop and take every matching row.
 */
class LockingChoiceLimitTest {

    @Test
    void dlqRetryTakesAtMostItsLimit() {
        try (JobRows rows = JobRows.open()) {
            Instant now = Instant.now();
            for (int i = 0; i < 25; i++) {
                rows.insert(JobState.DEAD, r -> r.setWorkflow("limit-test").setFinishedAt(JobRows.at(now)));
            }
            assertThat(rows.store().retryDead(List.of(), "limit-test", 10, now)).hasSize(10);
            assertThat(rows.store().retryDead(List.of(), "limit-test", 10, now)).hasSize(10);
            assertThat(rows.store().retryDead(List.of(), "limit-test", 10, now)).hasSize(5);
        }
    }

    @Test
    void dueCallbacksTakeAtMostTheirLimit() {
        try (JobRows rows = JobRows.open()) {
            Instant now = Instant.now();
            for (int i = 0; i < 25; i++) {
                rows.insert(JobState.SUCCEEDED, r -> r.setCallbackUrl("https://example.com/cb")
                        .setCallbackState("pending").setCallbackNextAt(JobRows.at(now.minusSeconds(1)))
                        .setFinishedAt(JobRows.at(now)));
            }
            assertThat(rows.store().takeDueCallbacks(now, Duration.ofMinutes(5), 10)).hasSize(10);
            assertThat(rows.store().takeDueCallbacks(now, Duration.ofMinutes(5), 10)).hasSize(10);
            assertThat(rows.store().takeDueCallbacks(now, Duration.ofMinutes(5), 10)).hasSize(5);
        }
    }
}
