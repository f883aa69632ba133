package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many concurrent intake requests are written together (one array per column): every job keeps
 * its own fields (nulls included), each account is charged for its own jobs only, idempotency keys
 * repeated inside one batch make one job, and the budget is still enforced.
 */
class IntakeBatchTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "BUDGET_FREE_UNITS_PER_DAY", "25"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void concurrentMixedRequestsAreStoredFieldByFieldPerAccount() throws Exception {
        String a = server.createAccount("batch-a@example.com", "pro").get("api_key").asText();
        String b = server.createAccount("batch-b@example.com", "pro").get("api_key").asText();
        Instant later = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.MILLIS);
        int n = 120;
        ExecutorService pool = Executors.newFixedThreadPool(32);
        Map<Integer, String> bodies = new ConcurrentHashMap<>();
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder body = new StringBuilder("{\"workflow\":\"echo\",\"payload\":{\"i\":" + i
                    + ",\"s\":\"x\\\"y\\\\z,{}é\"}");
            if (i % 3 == 0) {
                body.append(",\"priority\":\"high\",\"max_attempts\":").append(1 + i % 5);
            }
            if (i % 4 == 0) {
                body.append(",\"callback_url\":\"https://example.com/cb/").append(i).append("\"");
            }
            if (i % 5 == 0) {
                body.append(",\"run_at\":\"").append(later).append("\"");
            }
            if (i % 6 == 0) {
                body.append(",\"idempotency_key\":\"k-").append(i % 12).append("\"");
            }
            body.append(",\"timeout_seconds\":").append(10 + i).append('}');
            bodies.put(i, body.toString());
            String k = i % 2 == 0 ? a : b;
            answers.add(pool.submit(() -> server.post("/api/v1/intake", body.toString(), bearer(k))));
        }
        Map<String, Integer> jobOf = new ConcurrentHashMap<>();
        int created = 0;
        for (int i = 0; i < n; i++) {
            Response r = answers.get(i).get();
            assertThat(r.status()).as(r.toString()).isIn(200, 202);
            created += r.status() == 202 ? 1 : 0;
            String id = r.json().get("job_id").asText();
            String k = i % 2 == 0 ? a : b;
            if (i % 6 == 0) {
                jobOf.putIfAbsent(k + "/k-" + (i % 12), i);
                continue; // checked through the first request of its key below
            }
            JsonNode job = server.get("/api/v1/status/" + id, bearer(k)).json();
            assertThat(job.get("workflow").asText()).isEqualTo("echo");
            assertThat(job.get("status").asText()).isEqualTo("queued");
            assertThat(job.get("priority").asText()).isEqualTo(i % 3 == 0 ? "high" : "normal");
            assertThat(job.get("timeout_seconds").asInt()).isEqualTo(10 + i);
            if (i % 3 == 0) {
                assertThat(job.get("max_attempts").asInt()).isEqualTo(1 + i % 5);
            }
            assertThat(job.get("callback_url").isNull()).isEqualTo(i % 4 != 0);
            if (i % 4 == 0) {
                assertThat(job.get("callback_url").asText()).isEqualTo("https://example.com/cb/" + i);
            }
            assertThat(job.get("idempotency_key").isNull()).isTrue();
            if (i % 5 == 0) {
                assertThat(Instant.parse(job.get("run_at").asText())).isEqualTo(later);
            }
            // Another account cannot see it.
            assertThat(server.get("/api/v1/status/" + id, bearer(k.equals(a) ? b : a)).status()).isEqualTo(404);
            assertThat(server.get("/api/v1/jobs?limit=200", bearer(k)).body()).contains(id);
        }
        pool.shutdown();
        // i % 6 == 0 with i % 12 in {0, 6}: keys k-0 and k-6, all even i, so account a only: two jobs.
        assertThat(jobOf).hasSize(2);
        assertThat(created).isEqualTo(n - n / 6 + 2);
        long usedA = server.get("/api/v1/usage", bearer(a)).json().get("units_used").asLong();
        long usedB = server.get("/api/v1/usage", bearer(b)).json().get("units_used").asLong();
        assertThat(usedA + usedB).isEqualTo(created);
        assertThat(usedB).isEqualTo(n / 2);
    }

    @Test
    void concurrentRequestsOverTheBudgetAreRefusedAndTheRestCharged() throws Exception {
        String k = server.createAccount("batch-budget@example.com", "free").get("api_key").asText();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(pool.submit(() -> server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}",
                    bearer(k))));
        }
        int accepted = 0;
        int refused = 0;
        for (Future<Response> f : answers) {
            Response r = f.get();
            assertThat(r.status()).as(r.toString()).isIn(202, 402);
            accepted += r.status() == 202 ? 1 : 0;
            refused += r.status() == 402 ? 1 : 0;
        }
        pool.shutdown();
        JsonNode usage = server.get("/api/v1/usage", bearer(k)).json();
        assertThat(accepted).isEqualTo(usage.get("units_used").asInt());
        assertThat(accepted + refused).isEqualTo(40);
        assertThat(usage.get("units_used").asInt()).isLessThanOrEqualTo(25);
        assertThat(refused).isPositive();
    }

    @Test
    void anAccountAtItsBudgetDoesNotRefuseAnotherAccountsJobsInTheSameBatch() throws Exception {
        String near = server.createAccount("batch-near@example.com", "free").get("api_key").asText();
        String fresh = server.createAccount("batch-fresh@example.com", "free").get("api_key").asText();
        for (int i = 0; i < 20; i++) {
            assertThat(server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}", bearer(near))
                    .status()).isEqualTo(202);
        }
        // 20 requests each, interleaved: batches mix the two accounts, and "near" has 5 units left.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Response>> nearAnswers = new ArrayList<>();
        List<Future<Response>> freshAnswers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            nearAnswers.add(pool.submit(() -> server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}",
                    bearer(near))));
            freshAnswers.add(pool.submit(() -> server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}",
                    bearer(fresh))));
        }
        int nearAccepted = 0;
        for (Future<Response> f : nearAnswers) {
            Response r = f.get();
            assertThat(r.status()).as(r.toString()).isIn(202, 402);
            nearAccepted += r.status() == 202 ? 1 : 0;
        }
        for (Future<Response> f : freshAnswers) {
            assertThat(f.get().status()).as(f.get().toString()).isEqualTo(202);
        }
        pool.shutdown();
        assertThat(nearAccepted).isEqualTo(5);
        assertThat(server.get("/api/v1/usage", bearer(near)).json().get("units_used").asInt()).isEqualTo(25);
        assertThat(server.get("/api/v1/usage", bearer(fresh)).json().get("units_used").asInt()).isEqualTo(20);
        assertThat(server.get("/api/v1/jobs?limit=100", bearer(near)).json().get("jobs")).hasSize(25);
    }
}
