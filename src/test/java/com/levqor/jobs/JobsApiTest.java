package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The jobs API in sync mode (no Redis): intake, status, list, cancel, timeouts, delays, validation. */
class JobsApiTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(
                "SWEEPER_INTERVAL_MS", "100",
                "RETRY_BASE_DELAY_MS", "50",
                "RETRY_MAX_DELAY_MS", "200",
                "MAX_PAYLOAD_BYTES", "4096",
                "WORKER_CONCURRENCY", "4"));
        key = server.createAccount("jobs@example.com", "pro").get("api_key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Response submit(String k, String body, String... headers) {
        return server.post("/api/v1/intake", body, bearer(k, headers));
    }

    static String submitted(String k, String body) {
        Response r = submit(k, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("job_id").asText();
    }

    @Test
    void echoJobIsCommittedThenSucceedsWithItsPayloadAsResult() {
        Response r = submit(key, "{\"workflow\":\"echo\",\"payload\":{\"hello\":\"world\",\"n\":[1,2]}}");
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("status").asText()).isEqualTo("queued");
        String id = r.json().get("job_id").asText();
        assertThat(UUID.fromString(id).version()).isEqualTo(7);
        JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
        assertThat(done.get("result").get("hello").asText()).isEqualTo("world");
        assertThat(done.get("result").get("n").size()).isEqualTo(2);
        assertThat(done.get("attempts").asInt()).isEqualTo(1);
        assertThat(done.get("workflow").asText()).isEqualTo("echo");
        assertThat(done.get("priority").asText()).isEqualTo("normal");
        assertThat(done.get("created_at").asText()).endsWith("Z");
        assertThat(done.get("started_at").asText()).endsWith("Z");
        assertThat(done.get("finished_at").asText()).endsWith("Z");
        assertThat(done.get("last_error").isNull()).isTrue();
    }

    @Test
    void everyValidationProblemIsNamedInDetails() {
        Response r = submit(key, "{\"workflow\":42,\"priority\":\"urgent\",\"run_at\":\"tomorrow\",\"max_attempts\":0,"
                + "\"timeout_seconds\":\"60\",\"callback_url\":\"ftp://x\",\"colour\":\"red\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_request");
        JsonNode d = r.json().get("details");
        assertThat(d.get("workflow").asText()).isEqualTo("must be a string");
        assertThat(d.get("payload").asText()).contains("required");
        assertThat(d.get("priority").asText()).contains("low, normal, high");
        assertThat(d.get("run_at").asText()).contains("ISO-8601");
        assertThat(d.get("max_attempts").asText()).contains("1 to 100");
        assertThat(d.get("timeout_seconds").asText()).contains("whole number");
        assertThat(d.get("callback_url").asText()).contains("http");
        assertThat(d.get("colour").asText()).contains("not a known field");

        JsonNode unknown = submit(key, "{\"workflow\":\"nope\",\"payload\":{}}").json();
        assertThat(unknown.get("details").get("workflow").asText()).contains("echo").contains("delay");
        JsonNode notObject = submit(key, "{\"workflow\":\"echo\",\"payload\":[1]}").json();
        assertThat(notObject.get("details").get("payload").asText()).contains("object");
        JsonNode badDelay = submit(key, "{\"workflow\":\"delay\",\"payload\":{\"ms\":\"soon\"}}").json();
        assertThat(badDelay.get("details").get("payload.ms").asText()).contains("milliseconds");
        JsonNode badHttp = submit(key, "{\"workflow\":\"http.request\",\"payload\":{\"method\":\"FETCH\"}}").json();
        assertThat(badHttp.get("details").get("payload.url").asText()).contains("required");
        assertThat(badHttp.get("details").get("payload.method").asText()).contains("GET");
        JsonNode nul = submit(key, "{\"workflow\":\"echo\",\"payload\":{\"s\":\"a\\u0000b\"}}").json();
        assertThat(nul.get("details").get("payload").asText()).contains("NUL");

        Response malformed = submit(key, "{\"workflow\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("error").asText()).isEqualTo("malformed_json");
        Response empty = submit(key, "");
        assertThat(empty.status()).isEqualTo(400);
        Response big = submit(key, "{\"workflow\":\"echo\",\"payload\":{\"s\":\"" + "x".repeat(5000) + "\"}}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.json().get("message").asText()).contains("MAX_PAYLOAD_BYTES");
        Response noKey = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}");
        assertThat(noKey.status()).isEqualTo(401);
        // Nothing invalid was stored.
        assertThat(server.get("/api/v1/jobs?limit=200", bearer(key)).body()).doesNotContain("colour");
    }

    @Test
    void sameIdempotencyKeyFromTheSameAccountReturnsTheFirstJob() {
        String body = "{\"workflow\":\"echo\",\"payload\":{\"a\":1},\"idempotency_key\":\"order-77\"}";
        Response first = submit(key, body);
        assertThat(first.status()).isEqualTo(202);
        Response again = submit(key, body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("job_id").asText()).isEqualTo(first.json().get("job_id").asText());
        Response viaHeader = submit(key, "{\"workflow\":\"echo\",\"payload\":{\"a\":2}}", "Idempotency-Key", "order-77");
        assertThat(viaHeader.status()).isEqualTo(200);
        assertThat(viaHeader.json().get("job_id").asText()).isEqualTo(first.json().get("job_id").asText());
        Response conflicting = submit(key, body, "Idempotency-Key", "other");
        assertThat(conflicting.status()).isEqualTo(400);
        assertThat(conflicting.json().get("details").get("idempotency_key").asText()).contains("header");
        // Another account's same key is its own job.
        String other = server.createAccount("idem-other@example.com", "free").get("api_key").asText();
        Response theirs = submit(other, body);
        assertThat(theirs.status()).isEqualTo(202);
        assertThat(theirs.json().get("job_id").asText()).isNotEqualTo(first.json().get("job_id").asText());
    }

    @Test
    void concurrentRequestsWithOneIdempotencyKeyMakeOneJob() throws Exception {
        String k = server.createAccount("idem-race@example.com", "free").get("api_key").asText();
        List<Thread> threads = new ArrayList<>();
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                Response r = submit(k, "{\"workflow\":\"echo\",\"payload\":{},\"idempotency_key\":\"race\"}");
                statuses.add(r.status());
                ids.add(r.json().get("job_id").asText());
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(ids).hasSize(1);
        assertThat(statuses).containsOnly(200, 202);
        assertThat(statuses.stream().filter(s -> s == 202).count()).isEqualTo(1);
        assertThat(server.get("/api/v1/usage", bearer(k)).json().get("units_used").asInt()).isEqualTo(1);
    }

    @Test
    void anotherAccountsJobIsNotFound() {
        String mine = submitted(key, "{\"workflow\":\"echo\",\"payload\":{}}");
        String other = server.createAccount("isolated@example.com", "free").get("api_key").asText();
        Response r = server.get("/api/v1/status/" + mine, bearer(other));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("job_not_found");
        assertThat(server.post("/api/v1/jobs/" + mine + "/cancel", "", bearer(other)).status()).isEqualTo(404);
        assertThat(server.get("/api/v1/jobs", bearer(other)).body()).doesNotContain(mine);
        assertThat(server.get("/api/v1/status/not-a-uuid", bearer(key)).status()).isEqualTo(404);
        assertThat(server.get("/api/v1/status/" + mine, bearer(key)).status()).isEqualTo(200);
    }

    @Test
    void delayedJobWaitsForRunAtAndCanBeCancelledWhileQueued() {
        Instant runAt = Instant.now().plusMillis(1_500);
        String id = submitted(key, "{\"workflow\":\"echo\",\"payload\":{},\"run_at\":\"" + runAt + "\"}");
        JsonNode early = server.get("/api/v1/status/" + id, bearer(key)).json();
        assertThat(early.get("status").asText()).isEqualTo("queued");
        assertThat(early.get("started_at").isNull()).isTrue();
        JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
        assertThat(Instant.parse(done.get("started_at").asText())).isAfterOrEqualTo(runAt.minusMillis(5));

        String later = submitted(key, "{\"workflow\":\"echo\",\"payload\":{},\"run_at\":\"" + Instant.now().plus(Duration.ofDays(30)) + "\"}");
        Response cancel = server.post("/api/v1/jobs/" + later + "/cancel", "", bearer(key));
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("cancelled");
        assertThat(cancel.json().get("previous_status").asText()).isEqualTo("queued");
        Response again = server.post("/api/v1/jobs/" + later + "/cancel", "", bearer(key));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").asText()).isEqualTo("job_finished");
    }

    @Test
    void cancellingARunningJobInterruptsIt() {
        String id = submitted(key, "{\"workflow\":\"delay\",\"payload\":{\"ms\":60000}}");
        Await.status(server, key, id, "running", WAIT);
        Response cancel = server.post("/api/v1/jobs/" + id + "/cancel", "", bearer(key));
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("previous_status").asText()).isEqualTo("running");
        // The worker lets go of it: nothing holds it any more, and it stays cancelled.
        Await.until("the worker to let go of the cancelled job", WAIT,
                () -> server.get("/ops/queue_health").json().get("running").asInt() == 0);
        Await.sleep(300);
        JsonNode after = server.get("/api/v1/status/" + id, bearer(key)).json();
        assertThat(after.get("status").asText()).isEqualTo("cancelled");
        assertThat(after.get("result").isNull()).isTrue();
    }

    @Test
    void aRunPastItsTimeoutIsInterruptedAndCountsAsAFailedAttempt() {
        String id = submitted(key, "{\"workflow\":\"delay\",\"payload\":{\"ms\":60000},\"timeout_seconds\":1,"
                + "\"max_attempts\":2}");
        JsonNode dead = Await.status(server, key, id, "dead", WAIT);
        assertThat(dead.get("attempts").asInt()).isEqualTo(2);
        assertThat(dead.get("last_error").asText()).contains("timed out after 1 s");
    }

    @Test
    void listsTheAccountsJobsNewestFirstByStatusWithACursor() {
        String k = server.createAccount("lister@example.com", "pro").get("api_key").asText();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(submitted(k, "{\"workflow\":\"echo\",\"payload\":{\"i\":" + i + "},\"run_at\":\"" + Instant.now().plus(Duration.ofDays(30)) + "\"}"));
        }
        JsonNode page1 = server.get("/api/v1/jobs?limit=3&status=queued", bearer(k)).json();
        assertThat(page1.get("jobs").size()).isEqualTo(3);
        assertThat(page1.get("jobs").get(0).get("job_id").asText()).isEqualTo(ids.get(4));
        String cursor = page1.get("next_cursor").asText();
        JsonNode page2 = server.get("/api/v1/jobs?limit=3&status=queued&cursor=" + cursor, bearer(k)).json();
        assertThat(page2.get("jobs").size()).isEqualTo(2);
        assertThat(page2.get("next_cursor").isNull()).isTrue();
        Set<String> seen = new HashSet<>();
        page1.get("jobs").forEach(j -> seen.add(j.get("job_id").asText()));
        page2.get("jobs").forEach(j -> seen.add(j.get("job_id").asText()));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(server.get("/api/v1/jobs?status=succeeded", bearer(k)).json().get("jobs").size()).isZero();
        Response bad = server.get("/api/v1/jobs?status=weird&limit=0&cursor=x", bearer(k));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("details").has("status")).isTrue();
        assertThat(bad.json().get("details").has("limit")).isTrue();
        assertThat(bad.json().get("details").has("cursor")).isTrue();
    }

    @Test
    void workflowsAreListedWithTheirCost() {
        JsonNode w = server.get("/api/v1/workflows", bearer(key)).json().get("workflows");
        Map<String, Integer> costs = new java.util.HashMap<>();
        w.forEach(n -> costs.put(n.get("name").asText(), n.get("cost").asInt()));
        assertThat(costs).containsEntry("echo", 1).containsKeys("delay", "fail", "http.request");
    }

    @Test
    void queueHealthShowsSyncModeWithoutRedis() {
        JsonNode h = server.get("/ops/queue_health").json();
        assertThat(h.get("mode").asText()).isEqualTo("sync");
        assertThat(h.get("queue_available").asBoolean()).isFalse();
        for (String f : new String[] {"depth", "running", "retry", "dlq"}) {
            assertThat(h.get(f).isNumber()).as(f).isTrue();
        }
        JsonNode up = server.get("/ops/uptime").json();
        assertThat(up.get("services").get("queue").asText()).isEqualTo("operational");
        assertThat(up.get("status").asText()).isEqualTo("operational");
    }

    @Test
    void jobMetricsAreExported() {
        String id = submitted(key, "{\"workflow\":\"echo\",\"payload\":{}}");
        Await.status(server, key, id, "succeeded", WAIT);
        String m = server.get("/metrics").body();
        assertThat(m).contains("levqor_jobs_enqueued_total{workflow=\"echo\"}")
                .contains("levqor_jobs_finished_total{outcome=\"succeeded\",workflow=\"echo\"}")
                .contains("levqor_job_run_duration_seconds_bucket{workflow=\"echo\",le=")
                .contains("levqor_job_queue_wait_seconds_count{workflow=\"echo\"}")
                .contains("levqor_queue_depth").contains("levqor_dlq_depth").contains("levqor_redis_up 0.0")
                .contains("levqor_queue_mode{mode=\"sync\"} 1.0");
    }

    @Test
    void queueGaugesAreCountedWhenScraped() {
        try (TestServer idle = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"))) {
            String k = idle.createAccount("gauges@example.com", "pro").get("api_key").asText();
            String echo = "{\"workflow\":\"echo\",\"payload\":{}}";
            for (int i = 0; i < 3; i++) {
                assertThat(idle.post("/api/v1/intake", echo, TestServer.bearer(k)).status())
                        .isEqualTo(202);
            }
            String m = idle.get("/metrics").body();
            assertThat(m).contains("levqor_queue_depth 3.0").contains("levqor_jobs_running 0.0")
                    .contains("levqor_jobs_retry_waiting 0.0").contains("levqor_dlq_depth 0.0");
            for (int i = 0; i < 2; i++) {
                assertThat(idle.post("/api/v1/intake", echo, TestServer.bearer(k)).status())
                        .isEqualTo(202);
            }
            // Counts are shared for a quarter of a second at least, then counted again by the next scrape.
            Await.until("the next scrape counts five", Duration.ofSeconds(5),
                    () -> idle.get("/metrics").body().contains("levqor_queue_depth 5.0"));
            assertThat(idle.get("/ops/queue_health").json().get("depth").asLong()).isEqualTo(5);
        }
    }
}
