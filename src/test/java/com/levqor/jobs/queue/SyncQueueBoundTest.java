package com.levqor.jobs.queue;

import static com.levqor.db.jooq.Tables.JOBS;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.jobs.CountingWorkflow;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Sync mode with a backlog many times {@code SYNC_QUEUE_MAX_JOBS}: the in-process queue stays near its
 * bound, the rest waits undelivered in Postgres, and the queue is refilled as the workers empty it
 * (the sweeper's own rounds are an hour apart here, so only the wake of a queue below half full can
 * refill it): every job runs, once.
 */
class SyncQueueBoundTest {
    static final int CAPACITY = 100;
    static final int BATCH = 100;
    static final int JOBS_TOTAL = 1_500;

    @Test
    void aBacklogBeyondTheBoundWaitsInPostgresAndEveryJobRunsOnce() throws Exception {
        try (TestServer server = TestServer.start(Map.of(
                "SYNC_QUEUE_MAX_JOBS", String.valueOf(CAPACITY),
                "WORKER_CONCURRENCY", "2",
                "WORKER_PREFETCH", "4",
                "SWEEPER_INTERVAL_MS", "600000"))) {
            String key = server.createAccount("bound@example.com", "pro").get("api_key").asText();
            LocalQueue local = server.app().jobs().dispatcher().local();
            assertThat(server.app().jobs().dispatcher().mode()).isEqualTo("sync");
            assertThat(local.capacity()).isEqualTo(CAPACITY);

            AtomicInteger most = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    most.accumulateAndGet(local.size(), Math::max);
                    Await.sleep(1);
                }
            });
            sampler.start();
            List<UUID> ids = new ArrayList<>();
            try {
                for (int b = 0; b < JOBS_TOTAL / BATCH; b++) {
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < BATCH; i++) {
                        items.add("{\"workflow\":\"test.count\",\"payload\":{\"ms\":5,\"i\":" + (b * BATCH + i) + "}}");
                    }
                    Response r = server.post("/api/v1/intake/batch", "{\"jobs\":[" + String.join(",", items) + "]}",
                            bearer(key));
                    assertThat(r.status()).as(r.toString()).isEqualTo(202);
                    for (JsonNode j : r.json().get("jobs")) {
                        ids.add(UUID.fromString(j.get("job_id").asText()));
                    }
                }
                int parked = server.app().database().dsl().fetchCount(JOBS,
                        JOBS.STATE.eq("queued").and(JOBS.DISPATCHED_AT.isNull()));
                assertThat(parked).as("jobs left undelivered in Postgres while the in-process queue was full")
                        .isGreaterThan(0);

                Await.until("every job succeeded", Duration.ofSeconds(60), () -> server.app().database().dsl()
                        .fetchCount(JOBS, JOBS.STATE.eq("succeeded")) == JOBS_TOTAL);
            } finally {
                sampling.set(false);
                sampler.join();
            }
            assertThat(ids).hasSize(JOBS_TOTAL).doesNotHaveDuplicates();
            for (UUID id : ids) {
                assertThat(CountingWorkflow.runs(id)).as("executions of " + id).isEqualTo(1);
            }
            // The bound is soft by what was committed while the last room went: an intake batch that checked
            // for room just before, and a refill that counted the room just before.
            assertThat(most.get()).as("most ids ever waiting in-process").isBetween(CAPACITY / 2, CAPACITY + 2 * BATCH);
            assertThat(local.size()).isZero();
        }
    }
}
