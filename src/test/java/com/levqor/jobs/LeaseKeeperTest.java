package com.levqor.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.jobs.model.Priority;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.runtime.Scheduler;
import com.levqor.testing.Await;
import com.levqor.testing.JobRows;
import com.levqor.testing.Threads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
    static final Duration LEASE = Duration.ofSeconds(1);

    @Test
    void renewsHeldLeasesAndInterruptsRunsPastTheirTimeoutUntilItsSchedulerCloses() throws Exception {
        try (JobRows rows = JobRows.open()) {
            JobStore store = rows.store();
            UUID longJob = rows.queued(Priority.NORMAL, Instant.now().minusSeconds(1), null);
            UUID timedOut = rows.queued(Priority.NORMAL, Instant.now().minusSeconds(1), null);
            List<ClaimedJob> claimed = store.claim(List.of(longJob, timedOut), "keeper-test", Instant.now(), LEASE);
            assertThat(claimed).hasSize(2);
            Map<UUID, RunningJob> held = new ConcurrentHashMap<>();
            LocalQueue local = new LocalQueue(10_000);
            claimed.forEach(j -> held.put(j.id(), new RunningJob(j, local)));
            Dispatcher dispatcher = new Dispatcher(java.util.Optional.empty(), java.util.Optional.empty(), false, local,
                    true, (async, up) -> { });
            LeaseKeeper keeper = new LeaseKeeper("keeper-test", store, dispatcher, Clock.systemUTC(), LEASE, held);
            // A run already past its deadline, sleeping until interrupted.
            RunningJob late = held.get(timedOut);
            CountDownLatch interrupted = new CountDownLatch(1);
            Thread runner = new Thread(() -> {
                late.start(System.nanoTime() - 1);
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted.countDown();
                } finally {
                    late.finish();
                }
            });
            runner.start();

            Scheduler scheduler = new Scheduler();
            scheduler.add(keeper);
            scheduler.start();
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the run past its timeout is interrupted").isTrue();
            assertThat(late.stop()).isEqualTo(RunningJob.Stop.TIMEOUT);
            // Held for three leases: the sweeper would have rescued it without renewals.
            Await.sleep(3 * LEASE.toMillis());
            assertThat(rows.row(longJob).getLeaseExpiresAt().toInstant()).isAfter(Instant.now());
            assertThat(Threads.alive("levqor-lease-keeper")).isTrue();

            scheduler.close();
            Threads.awaitGone("levqor-lease-keeper");
            Instant expires = rows.row(longJob).getLeaseExpiresAt().toInstant();
            Await.sleep(2 * LEASE.toMillis());
            assertThat(rows.row(longJob).getLeaseExpiresAt().toInstant()).as("no renewal after close")
                    .isEqualTo(expires);
        }
    }
}
