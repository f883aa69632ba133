package com.levqor.jobs;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.Main;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries with backoff end in dead; the DLQ lists, retries and discards them (admin only), also from the CLI. */
class DlqTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(
                "SWEEPER_INTERVAL_MS", "100",
                "RETRY_BASE_DELAY_MS", "100",
                "RETRY_MAX_DELAY_MS", "400",
                "WORKER_CONCURRENCY", "4"));
        key = server.createAccount("dlq@example.com", "pro").get("api_key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String failing(String message, int attempts) {
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"fail\",\"payload\":{\"message\":\"" + message
                + "\"},\"max_attempts\":" + attempts + "}", bearer(key));
        assertThat(r.status()).isEqualTo(202);
        return r.json().get("job_id").asText();
    }

    @Test
    void failingJobIsRetriedWithBackoffThenDeadAndReported() throws Exception {
        String id = failing("poison-a", 3);
        JsonNode dead = Await.status(server, key, id, "dead", WAIT);
        assertThat(dead.get("attempts").asInt()).isEqualTo(3);
        // Its owner sees the error's name and message, not our stack.
        assertThat(dead.get("last_error").asText()).isEqualTo("DrillFailure: poison-a");
        assertThat(dead.get("finished_at").asText()).endsWith("Z");
        // Backoff: three attempts took at least base + 2*base/2 of waiting (jitter draws from the upper half).
        long tookMs = Duration.between(java.time.Instant.parse(dead.get("created_at").asText()),
                java.time.Instant.parse(dead.get("finished_at").asText())).toMillis();
        assertThat(tookMs).isGreaterThanOrEqualTo(100);
        Await.until("the dead job in errors.jsonl", WAIT, () -> {
            try {
                return Files.readString(server.logDir().resolve("errors.jsonl")).contains("\"job_id\":\"" + id + "\"");
            } catch (Exception e) {
                return false;
            }
        });
        // Reported once, when it died, with the stack of its last error; its failed attempts are only counted.
        Await.sleep(500);
        List<JsonNode> reports = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(server.logDir().resolve("errors.jsonl"))) {
            JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            if (id.equals(j.path("job_id").asText())) {
                reports.add(j);
            }
        }
        assertThat(reports).hasSize(1);
        assertThat(reports.get(0).get("type").asText()).isEqualTo("job_dead");
        assertThat(reports.get(0).get("error_class").asText()).endsWith("FailWorkflow$DrillFailure");
        assertThat(reports.get(0).get("stack").asText()).contains("at com.levqor.jobs.workflows.FailWorkflow.run");
        String metrics = server.get("/metrics").body();
        assertThat(metrics).contains("error_rate_total{type=\"job_dead\"}")
                .containsPattern("error_rate_total\\{type=\"job_failed\"} [1-9]")
                .contains("levqor_jobs_finished_total{outcome=\"dead\",workflow=\"fail\"}");
        JsonNode listed = null;
        for (JsonNode j : server.get("/ops/dlq?workflow=fail&limit=1000", admin()).json().get("jobs")) {
            if (id.equals(j.get("job_id").asText())) {
                listed = j;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("last_error").asText()).isEqualTo("DrillFailure: poison-a");
    }

    @Test
    void dlqIsListedRetriedAndDiscardedByTheAdminOnly() {
        String a = failing("poison-list", 1);
        String b = failing("poison-list", 1);
        String c = failing("poison-discard", 1);
        for (String id : List.of(a, b, c)) {
            Await.status(server, key, id, "dead", WAIT);
        }
        // Without or with a wrong admin key: refused.
        assertThat(server.get("/ops/dlq").status()).isEqualTo(401);
        assertThat(server.post("/ops/dlq/retry", "", bearer(key)).status()).isEqualTo(401);
        assertThat(server.delete("/ops/dlq/" + c, "Authorization", "Bearer wrong-admin-key-123456").status())
                .isEqualTo(401);

        JsonNode list = server.get("/ops/dlq?workflow=fail&limit=1000", admin()).json();
        assertThat(list.get("count").asInt()).isGreaterThanOrEqualTo(3);
        JsonNode entry = null;
        for (JsonNode j : list.get("jobs")) {
            if (j.get("job_id").asText().equals(c)) {
                entry = j;
            }
        }
        assertThat(entry).isNotNull();
        assertThat(entry.get("attempts").asInt()).isEqualTo(1);
        assertThat(entry.get("last_error").asText()).contains("poison-discard");
        assertThat(server.get("/ops/dlq?limit=0", admin()).status()).isEqualTo(400);
        assertThat(server.get("/ops/dlq?workflow=echo", admin()).json().get("count").asInt()).isZero();

        Response discarded = server.delete("/ops/dlq/" + c, admin());
        assertThat(discarded.status()).isEqualTo(200);
        assertThat(discarded.json().get("discarded").asBoolean()).isTrue();
        assertThat(server.get("/api/v1/status/" + c, bearer(key)).json().get("status").asText()).isEqualTo("cancelled");
        assertThat(server.delete("/ops/dlq/" + c, admin()).status()).isEqualTo(404);

        Response bad = server.post("/ops/dlq/retry", "{\"ids\":[\"nope\"],\"limit\":0,\"color\":1}", admin());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("details").has("ids")).isTrue();
        assertThat(bad.json().get("details").has("limit")).isTrue();
        assertThat(bad.json().get("details").has("color")).isTrue();

        Response retried = server.post("/ops/dlq/retry", "{\"ids\":[\"" + a + "\"]}", admin());
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().get("retried").asInt()).isEqualTo(1);
        assertThat(retried.json().has("remaining")).isTrue();
        // It runs again (and, being poison, dies again after its fresh attempt).
        JsonNode again = Await.value("job a to run again", WAIT,
                () -> server.get("/api/v1/status/" + a, bearer(key)).json(),
                j -> j.get("attempts").asInt() == 2 && j.get("status").asText().equals("dead"));
        assertThat(again.get("last_error").asText()).contains("poison-list");
        // errors.jsonl counts the fresh round's attempts against max_attempts, and says it was retried.
        String deadAgain = "Job " + a + " (fail) is dead after attempt 1 of 1 (2 in total, retried from the DLQ)";
        Await.value("errors.jsonl line of the second death", WAIT, () -> {
            try {
                return java.nio.file.Files.readString(server.logDir().resolve("errors.jsonl"));
            } catch (java.io.IOException e) {
                return "";
            }
        }, text -> text.contains(deadAgain));

        // The runbook's call: no body, no content type, retries all.
        Response all = server.send(java.net.http.HttpRequest.newBuilder(server.uri("/ops/dlq/retry"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("retried").asInt()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void cliListsRetriesAndDiscardsTheDlq() {
        String x = failing("poison-cli", 1);
        String y = failing("poison-cli", 1);
        Await.status(server, key, x, "dead", WAIT);
        Await.status(server, key, y, "dead", WAIT);
        Map<String, String> env = TestServer.baseEnv(server.jdbcUrl(), server.logDir());
        String listed = run(env, "dlq", "list", "--workflow", "fail");
        assertThat(listed).contains(x).contains("poison-cli");
        String discarded = run(env, "dlq", "discard", y);
        assertThat(discarded).contains("discarded");
        assertThat(server.get("/api/v1/status/" + y, bearer(key)).json().get("status").asText()).isEqualTo("cancelled");
        String retried = run(env, "dlq", "retry", "--id", x);
        assertThat(retried).contains("retried: 1");
        // The running server's sweeper picks the re-queued job up.
        Await.value("job x to run again", WAIT, () -> server.get("/api/v1/status/" + x, bearer(key)).json(),
                j -> j.get("attempts").asInt() == 2);
        assertThat(Main.run(env, "dlq", "discard", "00000000-0000-7000-8000-000000000000")).isEqualTo(1);
    }

    static String run(Map<String, String> env, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            int status = Main.run(env, args);
            assertThat(status).as(out.toString()).isZero();
        } finally {
            System.setOut(old);
        }
        return out.toString();
    }
}
