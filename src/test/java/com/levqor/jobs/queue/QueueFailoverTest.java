package com.levqor.jobs.queue;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.jobs.CountingWorkflow;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Async mode through a real redis-server, killed with SIGKILL in the middle of a stream of jobs and
 * started again: the mode turns sync within a second, every job finishes exactly once, and the mode
 * turns async again by itself.
 */
class QueueFailoverTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void redisDyingMidStreamSwitchesToSyncLosingAndRepeatingNoJobAndRecoversToAsync() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of(
                     "REDIS_URL", redis.url(),
                     "REDIS_CHECK_INTERVAL_MS", "100",
                     "SWEEPER_INTERVAL_MS", "200",
                     "REDISPATCH_AFTER_MS", "2000",
                     "WORKER_CONCURRENCY", "8"))) {
            String key = server.createAccount("failover@example.com", "pro").get("api_key").asText();
            Await.until("async mode", WAIT, () -> mode(server).equals("async"));
            assertThat(server.get("/ops/queue_health").json().get("queue_available").asBoolean()).isTrue();
            assertThat(server.get("/ops/uptime").json().get("services").get("redis").asText()).isEqualTo("operational");

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                ids.add(submit(server, key, i));
            }
            redis.kill();
            long killed = System.nanoTime();
            Await.until("sync mode after Redis died", Duration.ofSeconds(5), () -> mode(server).equals("sync"));
            long switchedMillis = (System.nanoTime() - killed) / 1_000_000;
            assertThat(switchedMillis).as("ms from SIGKILL to sync mode").isLessThan(1_000);
            for (int i = 60; i < 120; i++) {
                ids.add(submit(server, key, i));
            }
            JsonNode uptime = server.get("/ops/uptime").json();
            assertThat(uptime.get("status").asText()).isEqualTo("degraded");
            assertThat(uptime.get("services").get("redis").asText()).isEqualTo("down");
            assertThat(uptime.get("services").get("queue").asText()).isEqualTo("degraded");
            assertThat(server.get("/ops/uptime").status()).isEqualTo(200);

            for (String id : ids) {
                Await.status(server, key, id, "succeeded", WAIT);
            }
            for (String id : ids) {
                assertThat(CountingWorkflow.runs(UUID.fromString(id))).as("executions of " + id).isEqualTo(1);
            }

            redis.startProcess();
            Await.until("async mode after Redis came back", WAIT, () -> mode(server).equals("async"));
            assertThat(server.get("/ops/uptime").json().get("status").asText()).isEqualTo("operational");
            List<String> after = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                after.add(submit(server, key, 1000 + i));
            }
            for (String id : after) {
                Await.status(server, key, id, "succeeded", WAIT);
                assertThat(CountingWorkflow.runs(UUID.fromString(id))).isEqualTo(1);
            }
            String metrics = server.get("/metrics").body();
            assertThat(metrics).contains("levqor_redis_up 1.0").contains("levqor_queue_mode{mode=\"async\"} 1.0");
        }
    }

    static String mode(TestServer server) {
        return server.get("/ops/queue_health").json().get("mode").asText();
    }

    static String submit(TestServer server, String key, int i) {
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"test.count\",\"payload\":{\"ms\":20,\"i\":" + i + "}}",
                bearer(key));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("job_id").asText();
    }
}
