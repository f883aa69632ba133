package com.levqor.http;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Server instances against one real redis-server share one limit (two in this JVM, and a separate
 * {@code levqor serve} process with one in this JVM); without Redis each keeps its own; while Redis
 * is down each falls back to local buckets.
 */
class SharedRateLimitTest {

    private static List<Integer> statuses(TestServer s, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.get("/api/v1/status").status());
        }
        return out;
    }

    @Test
    void twoInstancesShareOneLimitThroughRedis() {
        try (TestRedis redis = TestRedis.start();
             TestServer a = TestServer.start(Map.of("REDIS_URL", redis.url(), "RATELIMIT_IP_PER_MINUTE", "6"));
             TestServer b = TestServer.start(Map.of("REDIS_URL", redis.url(), "RATELIMIT_IP_PER_MINUTE", "6"))) {
            assertThat(a.get("/ops/flags", admin()).json().get("rate_limit_store").asText()).isEqualTo("redis");
            assertThat(statuses(a, 3)).containsOnly(200);
            assertThat(statuses(b, 3)).containsOnly(200);
            // Six taken across both instances: the shared bucket is empty for either.
            assertThat(a.get("/api/v1/status").status()).isEqualTo(429);
            assertThat(b.get("/api/v1/status").status()).isEqualTo(429);
            assertThat(b.get("/api/v1/status").header("X-RateLimit-Remaining")).isEqualTo("0");
        }
    }

    @Test
    void aServerProcessAndAnInProcessServerShareOneLimitThroughRedis() throws Exception {
        try (TestRedis redis = TestRedis.start();
             TestServer inProcess = TestServer.start(Map.of("REDIS_URL", redis.url(), "RATELIMIT_IP_PER_MINUTE", "4"))) {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            Path logDir = Files.createDirectories(
                    Path.of("target", "tmp", "process-" + port));
            ProcessBuilder pb = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                    "-cp", System.getProperty("java.class.path"), "com.levqor.Main", "serve")
                    .redirectErrorStream(true)
                    .redirectOutput(logDir.resolve("out.log").toFile());
            Map<String, String> env = pb.environment();
            env.putAll(TestServer.baseEnv(TestPostgres.newDatabase(), logDir));
            env.put("PORT", Integer.toString(port));
            env.put("REDIS_URL", redis.url());
            env.put("RATELIMIT_IP_PER_MINUTE", "4");
            Process process = pb.start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                URI status = URI.create("http://127.0.0.1:" + port + "/api/v1/status");
                URI uptime = URI.create("http://127.0.0.1:" + port + "/ops/uptime");
                long deadline = System.currentTimeMillis() + 60_000;
                boolean up = false;
                while (!up && System.currentTimeMillis() < deadline && process.isAlive()) {
                    try {
                        up = client.send(HttpRequest.newBuilder(uptime).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (IOException notYet) {
                        sleep(200);
                    }
                }
                assertThat(up).as("the second server process answers").isTrue();
                IntSupplier viaProcess = () -> {
                    try {
                        return client.send(HttpRequest.newBuilder(status).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                assertThat(viaProcess.getAsInt()).isEqualTo(200);
                assertThat(viaProcess.getAsInt()).isEqualTo(200);
                assertThat(statuses(inProcess, 2)).containsOnly(200);
                // Four taken across the two processes: both now refuse.
                assertThat(viaProcess.getAsInt()).isEqualTo(429);
                assertThat(inProcess.get("/api/v1/status").status()).isEqualTo(429);
            } finally {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    @Test
    void aServerStartsAndLimitsLocallyWhenRedisIsDownFromTheStart() throws Exception {
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        try (TestServer s = TestServer.start(Map.of("REDIS_URL", "redis://127.0.0.1:" + deadPort,
                "RATELIMIT_IP_PER_MINUTE", "3"))) {
            assertThat(statuses(s, 3)).containsOnly(200);
            assertThat(s.get("/api/v1/status").status()).isEqualTo(429);
            assertThat(s.get("/ops/flags", admin()).json().get("rate_limit_store").asText()).isEqualTo("local");
        }
    }

    @Test
    void withoutRedisEachInstanceKeepsItsOwnBuckets() {
        try (TestServer a = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "3"));
             TestServer b = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "3"))) {
            assertThat(a.get("/ops/flags", admin()).json().get("rate_limit_store").asText()).isEqualTo("local");
            assertThat(statuses(a, 3)).containsOnly(200);
            assertThat(a.get("/api/v1/status").status()).isEqualTo(429);
            assertThat(statuses(b, 3)).containsOnly(200);
        }
    }

    @Test
    void whileRedisIsDownLocalBucketsStillLimitAndNothingFailsOpen() {
        try (TestRedis redis = TestRedis.start();
             TestServer s = TestServer.start(Map.of("REDIS_URL", redis.url(), "RATELIMIT_IP_PER_MINUTE", "4"))) {
            assertThat(statuses(s, 2)).containsOnly(200);
            redis.kill();
            List<Integer> during = statuses(s, 6);
            assertThat(during).doesNotContain(500, 503);
            assertThat(during.subList(0, 4)).containsOnly(200);
            assertThat(during.subList(4, 6)).containsOnly(429);
            assertThat(s.get("/ops/flags", admin()).json().get("rate_limit_store").asText()).isEqualTo("local");
            assertThat(s.get("/metrics").body()).contains("levqor_ratelimit_redis_up 0.0");

            redis.restart();
            // Redis is tried again after a second; the restarted (empty) server holds fresh shared buckets.
            List<Integer> after = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline
                    && !"redis".equals(s.get("/ops/flags", admin()).json().get("rate_limit_store").asText())) {
                after.add(s.get("/api/v1/status").status());
                sleep(200);
            }
            assertThat(s.get("/ops/flags", admin()).json().get("rate_limit_store").asText()).isEqualTo("redis");
            assertThat(after).doesNotContain(500, 503);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
