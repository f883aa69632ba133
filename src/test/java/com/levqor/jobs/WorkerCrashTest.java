package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code levqor worker} processes share the server's Postgres and Redis. One is killed with SIGKILL
 * while it holds a claim: after the lease the job runs again on another worker and finishes.
 */
class WorkerCrashTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    static Process worker(TestServer server, String redisUrl, String name) throws Exception {
        Map<String, String> env = TestServer.baseEnv(server.jdbcUrl(), Path.of("target", "tmp", "worker-" + name));
        env.remove("PORT");
        env.put("REDIS_URL", redisUrl);
        env.put("WORKER_CONCURRENCY", "2");
        env.put("JOB_LEASE_SECONDS", "3");
        env.put("SWEEPER_INTERVAL_MS", "100");
        env.put("REDISPATCH_AFTER_MS", "500");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "com.levqor.Main", "worker"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(new File("target/tmp/worker-" + name + ".log"));
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void jobHeldByASigkilledWorkerProcessRunsAgainElsewhereAfterTheLease() throws Exception {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url(), "WORKER_CONCURRENCY", "0",
                     "SWEEPER_INTERVAL_MS", "100"))) {
            String key = server.createAccount("crash@example.com", "pro").get("api_key").asText();
            Process first = worker(server, redis.url(), "first");
            Process second = null;
            try {
                Response r = server.post("/api/v1/intake",
                        "{\"workflow\":\"test.count\",\"payload\":{\"hang_first\":true}}", bearer(key));
                assertThat(r.status()).isEqualTo(202);
                String id = r.json().get("job_id").asText();
                Await.status(server, key, id, "running", WAIT);
                first.destroyForcibly(); // SIGKILL: no shutdown hook, the claim is left behind
                first.waitFor();
                assertThat(server.get("/api/v1/status/" + id, bearer(key)).json().get("status").asText())
                        .isEqualTo("running");
                second = worker(server, redis.url(), "second");
                JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
                // At least one more attempt after the killed one (a starved machine may lose a 2 s lease once
                // more before the kill); the result is the last attempt's.
                assertThat(done.get("attempts").asInt()).isGreaterThanOrEqualTo(2);
                assertThat(done.get("result").get("attempt").asInt()).isEqualTo(done.get("attempts").asInt());
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroy(); // SIGTERM: graceful
                    second.waitFor();
                }
            }
        }
    }
}
