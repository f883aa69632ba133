package com.levqor.ops;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.db.Migrations;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /livez} and {@code GET /readyz} over HTTP: their bodies, the schema check, the drain,
 * and their exemption from the rate limits and the abuse blocks.
 */
class ProbesTest {
    private static final String BAD_KEY = "lvq_not-a-real-key-000000000000";
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void livezAnswersAliveFromTheSchedulersHeartbeat() {
        Response r = server.get("/livez");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).isEqualTo("alive");
        assertThat(j.get("heartbeat_age_ms").asLong()).isBetween(0L, Liveness.STUCK_AFTER.toMillis());
        assertThat(j.get("heartbeat_at").asText()).endsWith("Z");
        assertThat(j.has("message")).isFalse();
    }

    @Test
    void readyzNamesEachCheckAndPassesWhenTheSchemaIsCurrent() {
        Response r = server.get("/readyz");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).isEqualTo("ready");
        assertThat(j.get("failed")).isEmpty();
        JsonNode checks = j.get("checks");
        assertThat(fieldNames(checks)).containsExactly("database", "migrations", "draining");
        assertThat(checks.get("database").get("status").asText()).isEqualTo("pass");
        assertThat(checks.get("database").get("response_time_ms").isNumber()).isTrue();
        String expected = Migrations.expectedVersion().getVersion();
        assertThat(checks.get("migrations").get("status").asText()).isEqualTo("pass");
        assertThat(checks.get("migrations").get("applied").asText()).isEqualTo(expected);
        assertThat(checks.get("migrations").get("expected").asText()).isEqualTo(expected);
        assertThat(checks.get("draining").get("status").asText()).isEqualTo("pass");
    }

    @Test
    void aSchemaBehindThisBuildIsNotReadyAndOneAheadIsReady() {
        String expected = Migrations.expectedVersion().getVersion();
        var db = server.app().database().dsl();
        try {
            // The newest migration undone as far as Flyway's history says (a restore of an older backup).
            db.execute("update flyway_schema_history set success = false where version = '" + expected + "'");
            Response behind = server.get("/readyz");
            assertThat(behind.status()).as(behind.body()).isEqualTo(503);
            assertThat(behind.json().get("status").asText()).isEqualTo("not_ready");
            assertThat(behind.json().get("failed")).extracting(JsonNode::asText).containsExactly("migrations");
            JsonNode m = behind.json().get("checks").get("migrations");
            assertThat(m.get("status").asText()).isEqualTo("fail");
            assertThat(m.get("expected").asText()).isEqualTo(expected);
            assertThat(m.get("applied").asText()).isNotEqualTo(expected);
            assertThat(m.get("message").asText()).contains("this build needs " + expected).contains("levqor migrate");
            assertThat(behind.json().get("checks").get("database").get("status").asText()).isEqualTo("pass");
        } finally {
            db.execute("update flyway_schema_history set success = true where version = '" + expected + "'");
        }
        assertThat(server.get("/readyz").status()).isEqualTo(200);

        // A newer Levqor migrated it during a rolling deploy: this instance still serves.
        db.execute("insert into flyway_schema_history (installed_rank, version, description, type, script, "
                + "installed_by, execution_time, success) select max(installed_rank) + 1, '9999', 'from the future', "
                + "'SQL', 'V9999__from_the_future.sql', current_user, 1, true from flyway_schema_history");
        try {
            Response ahead = server.get("/readyz");
            assertThat(ahead.status()).as(ahead.body()).isEqualTo(200);
            JsonNode m = ahead.json().get("checks").get("migrations");
            assertThat(m.get("applied").asText()).isEqualTo("9999");
            assertThat(m.get("message").asText()).contains("newer than this build's (" + expected + ")");
        } finally {
            db.execute("delete from flyway_schema_history where version = '9999'");
        }
    }

    @Test
    void probesAreNeverRateLimitedNorRefusedToABlockedClient() {
        try (TestServer s = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "2", "ABUSE_FAILED_AUTH_LIMIT", "2",
                "ABUSE_BLOCK_SECONDS", "900"))) {
            assertThat(statuses(s, 6, "/api/v1/status")).as("the limit applies to public routes").contains(429);
            assertThat(statuses(s, 6, "/livez")).containsOnly(200);
            assertThat(statuses(s, 6, "/readyz")).containsOnly(200);
            assertThat(s.get("/livez").header("RateLimit")).as("no bucket is taken").isNull();

            for (int i = 0; i < 2; i++) {
                assertThat(s.get("/api/v1/account", bearer(BAD_KEY)).status()).isEqualTo(401);
            }
            assertThat(s.get("/api/v1/account", bearer(BAD_KEY)).status()).as("blocked now").isEqualTo(403);
            assertThat(s.get("/ops/uptime").status()).isEqualTo(403);
            assertThat(statuses(s, 3, "/livez")).containsOnly(200);
            assertThat(statuses(s, 3, "/readyz")).containsOnly(200);
        }
    }

    @Test
    void drainingTurnsReadinessFirstWhileEveryOtherRouteIsServed() throws Exception {
        try (TestServer s = TestServer.start(Map.of("SHUTDOWN_DRAIN_MS", "600000"))) {
            CountDownLatch cutShort = new CountDownLatch(1);
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> {
                try {
                    s.app().drain(cutShort);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Response r = Await.value("/readyz draining", Duration.ofSeconds(10), () -> s.get("/readyz"),
                    x -> x.status() == 503);
            assertThat(r.json().get("status").asText()).isEqualTo("draining");
            assertThat(r.json().get("failed")).extracting(JsonNode::asText).containsExactly("draining");
            JsonNode d = r.json().get("checks").get("draining");
            assertThat(d.get("status").asText()).isEqualTo("fail");
            assertThat(d.get("message").asText()).startsWith("Shutting down: draining since");
            assertThat(r.json().get("checks").get("database").get("status").asText()).isEqualTo("pass");
            assertThat(drain).isNotDone();

            assertThat(s.get("/livez").status()).isEqualTo(200);
            assertThat(s.get("/ops/uptime").status()).isEqualTo(200);
            String key = s.createAccount("drain@example.com", "free").get("api_key").asText();
            Response job = s.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}", bearer(key));
            assertThat(job.status()).as(job.body()).isEqualTo(202);

            cutShort.countDown(); // a second signal
            drain.get(10, TimeUnit.SECONDS);
            Await.until("the drain's end logged", Duration.ofSeconds(10), () -> {
                com.levqor.ops.LogSetup.flush();
                return s.logText("app.log").contains("cut short by a second signal");
            });
            assertThat(s.logText("app.log")).contains("Draining for 600000 ms (SHUTDOWN_DRAIN_MS)");
        }
    }

    private static List<Integer> statuses(TestServer s, int n, String path) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.get(path).status());
        }
        return out;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
