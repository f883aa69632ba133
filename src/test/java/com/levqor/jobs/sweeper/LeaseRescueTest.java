package com.levqor.jobs.sweeper;

import static com.levqor.testing.JobRows.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.jobs.ClaimedJob;
import com.levqor.jobs.JobMetrics;
import com.levqor.jobs.JobStore;
import com.levqor.jobs.model.JobState;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.Metrics;
import com.levqor.runtime.Scheduler;
import com.levqor.testing.Await;
import com.levqor.testing.JobRows;
import com.levqor.testing.Threads;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class LeaseRescueTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    static UUID running(JobRows rows, int attempt, Instant leaseExpires, String callbackUrl) {
        return rows.insert(JobState.RUNNING, r -> {
            r.setAttempt(attempt);
            r.setLeaseOwner("worker-host-7.internal-1234-abc");
            r.setLeaseExpiresAt(at(leaseExpires));
            r.setCallbackUrl(callbackUrl);
        });
    }

    @Test
    void rescuesExpiredLeasesWhileRunningAndNothingAfterItsSchedulerCloses() {
        try (JobRows rows = JobRows.open();
             ErrorReporter reporter = new ErrorReporter(new Metrics(), Optional.empty(), "test")) {
            Instant now = Instant.now();
            UUID retry = running(rows, 1, now.minusSeconds(5), null);
            UUID last = running(rows, 3, now.minusSeconds(5), "https://hooks.example.com/done");
            UUID live = running(rows, 1, now.plusSeconds(600), null);
            AtomicInteger promotionWakes = new AtomicInteger();
            AtomicInteger callbackWakes = new AtomicInteger();
            Scheduler scheduler = new Scheduler();
            scheduler.add(new LeaseRescue(rows.store(), new JobMetrics(new PrometheusRegistry()), reporter,
                    Clock.systemUTC(), Duration.ofMillis(50), 100, promotionWakes::incrementAndGet,
                    callbackWakes::incrementAndGet));
            scheduler.start();
            Await.until("both expired leases rescued", WAIT,
                    () -> rows.state(retry).equals("failed") && rows.state(last).equals("dead"));
            assertThat(rows.state(live)).isEqualTo("running");
            assertThat(rows.row(retry).getLastError()).isEqualTo(
                    "lease expired: the worker running it stopped renewing it during attempt 1")
                    .as("our host names stay in the logs").doesNotContain("internal");
            assertThat(rows.row(last).getCallbackState()).isEqualTo("pending");
            Await.until("the promotion woken (the rescued retry is due now) and the callbacks (the dead job's "
                    + "is pending)", WAIT, () -> promotionWakes.get() > 0 && callbackWakes.get() > 0);
            assertThat(Threads.alive("levqor-lease-rescue")).isTrue();

            scheduler.close();
            Threads.awaitGone("levqor-lease-rescue");
            UUID later = running(rows, 1, Instant.now().minusSeconds(5), null);
            Await.sleep(300);
            assertThat(rows.state(later)).as("no rescue after close").isEqualTo("running");
        }
    }

    @Test
    void aJobRescuedDeadIsToldToTheDeadJobListenerOnceInTheRescuesTransaction() {
        try (JobRows rows = JobRows.open()) {
            Instant now = Instant.now();
            UUID retry = running(rows, 1, now.minusSeconds(5), null);
            UUID last = running(rows, 3, now.minusSeconds(5), null);
            List<String> told = new CopyOnWriteArrayList<>();
            List<ClaimedJob> jobs = new CopyOnWriteArrayList<>();

            // A listener that fails takes the rescue down with it: nothing is recorded, nobody is told.
            JobStore failing = new JobStore(rows.database().dsl(), (tx, job, error, at) -> {
                throw new IllegalStateException("the alert could not be queued");
            });
            Assertions.assertThatThrownBy(() -> failing.rescueExpiredLeases(now, 100))
                    .hasMessageContaining("the alert could not be queued");
            assertThat(rows.state(last)).isEqualTo("running");
            assertThat(rows.state(retry)).isEqualTo("running");

            JobStore store = new JobStore(rows.database().dsl(), (tx, job, error, at) -> {
                // In the rescue's transaction: the job is dead already there.
                told.add(tx.fetchValue("select state from jobs where id = '" + job.id() + "'") + " " + error);
                jobs.add(job);
            });
            List<JobStore.Rescued> rescued = store.rescueExpiredLeases(now, 100);
            assertThat(rescued).extracting(JobStore.Rescued::id).containsExactlyInAnyOrder(retry, last);
            assertThat(told).containsExactly("dead lease expired: the worker running it stopped renewing it during "
                    + "attempt 3");
            ClaimedJob job = jobs.get(0);
            assertThat(job.id()).isEqualTo(last);
            assertThat(job.accountId()).isEqualTo(rows.account());
            assertThat(job.workflow()).isEqualTo("echo");
            assertThat(job.attempt()).isEqualTo(3);
            assertThat(job.attemptsUsed()).isEqualTo(3);
            assertThat(job.maxAttempts()).isEqualTo(3);
            assertThat(job.payloadJson()).isEqualTo("{}");
            assertThat(rows.state(retry)).isEqualTo("failed");

            // Nothing is told twice: the dead job is no longer running.
            assertThat(store.rescueExpiredLeases(Instant.now(), 100)).isEmpty();
            assertThat(told).hasSize(1);
        }
    }
}
