package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/intake/batch}: many jobs in one request, answered in order once committed,
 * validated as a whole (nothing stored when one job is wrong), charged all or nothing.
 */
class BatchIntakeApiTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(
                "WORKER_CONCURRENCY", "4",
                "MAX_PAYLOAD_BYTES", "4096",
                "BUDGET_FREE_UNITS_PER_DAY", "25"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Response batch(String key, String body, String... headers) {
        return server.post("/api/v1/intake/batch", body, bearer(key, headers));
    }

    static String jobs(List<String> items) {
        return "{\"jobs\":[" + String.join(",", items) + "]}";
    }

    static int jobCount(String key) {
        return server.get("/api/v1/jobs?limit=200", bearer(key)).json().get("jobs").size();
    }

    @Test
    void manyJobsAreCommittedInOrderAndEachRunsWithItsOwnFields() {
        String key = server.createAccount("bulk@example.com", "pro").get("api_key").asText();
        String other = server.createAccount("bulk-other@example.com", "pro").get("api_key").asText();
        Instant later = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS);
        List<String> items = new ArrayList<>();
        int n = 60;
        for (int i = 0; i < n; i++) {
            String extra = i % 3 == 0 ? ",\"priority\":\"high\"" : i % 3 == 1 ? ",\"priority\":\"low\"" : "";
            if (i == 7) {
                extra += ",\"run_at\":\"" + later + "\"";
            }
            items.add("{\"workflow\":\"echo\",\"payload\":{\"i\":" + i + "}" + extra + "}");
        }
        Response r = batch(key, jobs(items));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        JsonNode answers = r.json().get("jobs");
        assertThat(answers).hasSize(n);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            assertThat(answers.get(i).get("status").asText()).isEqualTo("queued");
            ids.add(answers.get(i).get("job_id").asText());
        }
        assertThat(ids).hasSize(n);
        for (int i = 0; i < n; i++) {
            String id = answers.get(i).get("job_id").asText();
            if (i == 7) {
                JsonNode delayed = server.get("/api/v1/status/" + id, bearer(key)).json();
                assertThat(delayed.get("status").asText()).isEqualTo("queued");
                assertThat(Instant.parse(delayed.get("run_at").asText())).isEqualTo(later);
                continue;
            }
            JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
            assertThat(done.get("result").get("i").asInt()).as("job %d ran with its own payload", i).isEqualTo(i);
            assertThat(done.get("priority").asText()).isEqualTo(i % 3 == 0 ? "high" : i % 3 == 1 ? "low" : "normal");
            assertThat(server.get("/api/v1/status/" + id, bearer(other)).status()).isEqualTo(404);
        }
        assertThat(server.get("/api/v1/usage", bearer(key)).json().get("units_used").asInt()).isEqualTo(n);
    }

    @Test
    void idempotencyKeysRepeatInsideABatchAndAcrossBatches() {
        String key = server.createAccount("bulk-keys@example.com", "pro").get("api_key").asText();
        String body = jobs(List.of(
                "{\"workflow\":\"echo\",\"payload\":{\"a\":1},\"idempotency_key\":\"order-1\"}",
                "{\"workflow\":\"echo\",\"payload\":{\"a\":2},\"idempotency_key\":\"order-1\"}",
                "{\"workflow\":\"echo\",\"payload\":{\"b\":1},\"idempotency_key\":\"order-2\"}"));
        Response first = batch(key, body);
        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        JsonNode a = first.json().get("jobs");
        assertThat(a.get(1).get("job_id").asText()).isEqualTo(a.get(0).get("job_id").asText());
        assertThat(a.get(1).get("existing").asBoolean()).isTrue();
        assertThat(a.get(0).has("existing")).isFalse();
        assertThat(a.get(2).get("job_id").asText()).isNotEqualTo(a.get(0).get("job_id").asText());

        Response again = batch(key, body);
        assertThat(again.status()).as("every job repeated a key: nothing new").isEqualTo(200);
        JsonNode b = again.json().get("jobs");
        for (int i = 0; i < 3; i++) {
            assertThat(b.get(i).get("job_id").asText()).isEqualTo(a.get(i).get("job_id").asText());
            assertThat(b.get(i).get("existing").asBoolean()).isTrue();
        }
        assertThat(jobCount(key)).isEqualTo(2);
        assertThat(server.get("/api/v1/usage", bearer(key)).json().get("units_used").asInt()).isEqualTo(2);

        Response header = batch(key, body, "Idempotency-Key", "whole-batch");
        assertThat(header.status()).isEqualTo(400);
        assertThat(header.json().get("details").has("Idempotency-Key")).isTrue();
    }

    @Test
    void oneBadJobRejectsTheBatchNamingEveryProblemAndStoresNothing() {
        String key = server.createAccount("bulk-bad@example.com", "pro").get("api_key").asText();
        Response r = batch(key, jobs(List.of(
                "{\"workflow\":\"echo\",\"payload\":{}}",
                "{\"workflow\":\"nope\",\"priority\":\"urgent\"}",
                "5",
                "{\"workflow\":\"echo\",\"payload\":{},\"colour\":\"red\"}")));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        JsonNode details = r.json().get("details");
        assertThat(details.has("jobs[1].workflow")).isTrue();
        assertThat(details.has("jobs[1].payload")).isTrue();
        assertThat(details.has("jobs[1].priority")).isTrue();
        assertThat(details.has("jobs[2]")).isTrue();
        assertThat(details.has("jobs[3].colour")).isTrue();
        assertThat(details.has("jobs[0].workflow")).isFalse();
        assertThat(jobCount(key)).isZero();

        for (String body : List.of("{}", "{\"jobs\":[]}", "{\"jobs\":{}}", "{\"jobs\":[{\"workflow\":\"echo\",\"payload\":{}}],"
                + "\"extra\":1}")) {
            Response bad = batch(key, body);
            assertThat(bad.status()).as(body).isEqualTo(400);
            assertThat(bad.json().get("error").asText()).as(body).isNotBlank();
        }
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= Intake.MAX_REQUEST_JOBS; i++) {
            tooMany.add("{}");
        }
        Response many = batch(key, jobs(tooMany));
        assertThat(many.status()).isEqualTo(400);
        assertThat(many.json().get("details").get("jobs").asText()).contains("1001");
        assertThat(batch(key, "{\"jobs\":[").status()).isEqualTo(400);
        assertThat(jobCount(key)).isZero();
    }

    @Test
    void aPayloadOverTheLimitIs413NamingTheJob() {
        String key = server.createAccount("bulk-big@example.com", "pro").get("api_key").asText();
        String big = "x".repeat(5_000);
        Response r = batch(key, jobs(List.of("{\"workflow\":\"echo\",\"payload\":{}}",
                "{\"workflow\":\"echo\",\"payload\":{\"s\":\"" + big + "\"}}")));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("message").asText()).contains("jobs[1]");
        assertThat(jobCount(key)).isZero();
    }

    @Test
    void aBatchOverTheBudgetIsRefusedWholeAndChargesNothing() {
        String key = server.createAccount("bulk-budget@example.com", "free").get("api_key").asText();
        List<String> twenty = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            twenty.add("{\"workflow\":\"echo\",\"payload\":{\"i\":" + i + "}}");
        }
        assertThat(batch(key, jobs(twenty)).status()).isEqualTo(202);
        Response over = batch(key, jobs(twenty.subList(0, 10)));
        assertThat(over.status()).as(over.toString()).isEqualTo(402);
        assertThat(over.json().get("error").asText()).isEqualTo("budget_exceeded");
        assertThat(server.get("/api/v1/usage", bearer(key)).json().get("units_used").asInt()).isEqualTo(20);
        assertThat(jobCount(key)).isEqualTo(20);
        assertThat(batch(key, jobs(twenty.subList(0, 5))).status()).isEqualTo(202);
        assertThat(server.get("/api/v1/usage", bearer(key)).json().get("units_used").asInt()).isEqualTo(25);
        assertThat(batch(key, jobs(twenty.subList(0, 1))).status()).isEqualTo(402);
    }
}
