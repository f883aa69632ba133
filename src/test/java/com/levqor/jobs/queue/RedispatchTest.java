package com.levqor.jobs.queue;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The sweeper re-dispatches queued jobs whose delivery was lost, but not a backlog that is still
 * waiting in Redis: pushing waiting ids again would only duplicate the queue.
 */
class RedispatchTest {
    static final String NORMAL = RedisQueue.lane(com.levqor.jobs.model.Priority.NORMAL);

    @Test
    void aWaitingBacklogIsNotPushedAgainButLostIdsAre() throws Exception {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of(
                     "REDIS_URL", redis.url(),
                     "WORKER_CONCURRENCY", "0", // nobody takes the ids: they stay waiting in Redis
                     "SWEEPER_INTERVAL_MS", "50",
                     "REDISPATCH_AFTER_MS", "100"));
             RedisClient client = RedisClient.create(URI.create(redis.url()))) {
            String key = server.createAccount("redispatch@example.com", "pro").get("api_key").asText();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                Response r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}", bearer(key));
                assertThat(r.status()).isEqualTo(202);
                ids.add(r.json().get("job_id").asText());
            }
            String lane = NORMAL;
            Await.until("the three ids are waiting in Redis", Duration.ofSeconds(10),
                    () -> client.llen(lane) == 3);
            // Many sweeps, each long past REDISPATCH_AFTER_MS: the waiting ids are not pushed again.
            Thread.sleep(1_000);
            assertThat(client.lrange(lane, 0, -1)).containsExactlyInAnyOrderElementsOf(ids);

            // The ids are lost (a Redis that dropped its data): the sweeper dispatches the jobs again.
            client.del(lane);
            Await.until("the lost ids are pushed again", Duration.ofSeconds(10), () -> client.llen(lane) >= 3);
            List<String> again = client.lrange(lane, 0, -1);
            assertThat(new HashSet<>(again)).isEqualTo(ids);
        }
    }

    @Test
    void anIdLostWhileABacklogWaitsRunsBeforeTheBacklogEndsAndNothingRunsTwice() throws Exception {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of(
                     "REDIS_URL", redis.url(),
                     "WORKER_CONCURRENCY", "1",
                     "WORKER_PREFETCH", "1",
                     "SWEEPER_INTERVAL_MS", "50",
                     "REDISPATCH_AFTER_MS", "300"));
             RedisClient client = RedisClient.create(URI.create(redis.url()))) {
            String key = server.createAccount("lost-in-backlog@example.com", "pro").get("api_key").asText();
            Await.until("async mode", Duration.ofSeconds(20),
                    () -> server.get("/ops/queue_health").json().get("mode").asText().equals("async"));
            List<String> all = new java.util.concurrent.CopyOnWriteArrayList<>(submit(server, key, 40));
            String lost = all.get(30);
            // The 202 comes before the dispatch thread pushes the id: wait until it is in Redis, then lose it.
            Await.until("the id waits in Redis", Duration.ofSeconds(10), () -> client.lrange(NORMAL, 0, -1).contains(lost));
            assertThat(client.lrem(NORMAL, 1, lost)).as("the id was waiting in Redis when it was lost").isEqualTo(1);
            // Jobs keep arriving faster than the one worker thread runs them (25 ms each): a backlog waits
            // in Redis all along, so the old rule (re-send only once the lists are empty) never re-sends.
            java.util.concurrent.atomic.AtomicBoolean feeding = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread feeder = new Thread(() -> {
                while (feeding.get()) {
                    all.addAll(submit(server, key, 5));
                    Await.sleep(50);
                }
            });
            feeder.start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                String status = "";
                while (System.nanoTime() < deadline && !status.equals("succeeded")) {
                    List<String> waiting = client.lrange(NORMAL, 0, -1);
                    assertThat(new HashSet<>(waiting)).as("no id waits twice").hasSameSizeAs(waiting);
                    status = server.get("/api/v1/status/" + lost, bearer(key)).json().get("status").asText();
                    if (status.equals("succeeded")) {
                        assertThat(client.llen(NORMAL)).as("the backlog still waits").isPositive();
                    }
                    Await.sleep(50);
                }
                assertThat(status).as("the lost job ran within 60 s while the backlog waited").isEqualTo("succeeded");
            } finally {
                feeding.set(false);
                feeder.join();
            }
            for (String id : all) {
                JsonNode done = Await.status(server, key, id, "succeeded", Duration.ofSeconds(60));
                assertThat(done.get("attempts").asInt()).isEqualTo(1);
                assertThat(com.levqor.jobs.CountingWorkflow.runs(java.util.UUID.fromString(id))).as("runs of " + id)
                        .isEqualTo(1);
            }
        }
    }

    /** Submits n test.count jobs of 25 ms in one batch request; returns their ids. */
    private static List<String> submit(TestServer server, String key, int n) {
        StringBuilder body = new StringBuilder("{\"jobs\":[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"workflow\":\"test.count\",\"payload\":{\"ms\":25}}");
        }
        Response r = server.post("/api/v1/intake/batch", body.append("]}").toString(), bearer(key));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        List<String> ids = new java.util.ArrayList<>();
        r.json().get("jobs").forEach(j -> ids.add(j.get("job_id").asText()));
        return ids;
    }
}
