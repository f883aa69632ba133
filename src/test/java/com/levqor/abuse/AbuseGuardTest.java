package com.levqor.abuse;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Failed authentication per IP blocks it (stored in Postgres), escalating; admin lists and lifts blocks. */
class AbuseGuardTest {
    private static final String BAD_KEY = "lvq_" + "z".repeat(40);

    private static void failAuth(TestServer s, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(s.get("/api/v1/account", bearer(BAD_KEY)).status()).isEqualTo(401);
        }
    }

    @Test
    void repeatedFailedAuthBlocksTheIpUntilAnAdminLiftsIt() {
        try (TestServer s = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "3", "ABUSE_BLOCK_SECONDS", "900"))) {
            failAuth(s, 2);
            assertThat(s.get("/ops/accounts", "Authorization", "Bearer wrong-admin-key").status()).isEqualTo(401);
            // Three failures (API key and admin key alike): loopback is not exempt, every route answers 403.
            Response blocked = s.get("/api/v1/status");
            assertThat(blocked.status()).isEqualTo(403);
            JsonNode body = blocked.json();
            assertThat(body.get("error").asText()).isEqualTo("ip_blocked");
            Instant until = Instant.parse(body.get("details").get("blocked_until").asText());
            assertThat(until).isBetween(Instant.now().plusSeconds(800), Instant.now().plusSeconds(901));
            assertThat(body.get("message").asText()).contains("127.0.0.1").contains(until.toString());
            assertThat(Long.parseLong(blocked.header("Retry-After"))).isBetween(800L, 901L);
            assertThat(blocked.header("X-Content-Type-Options")).isEqualTo("nosniff");

            // The operator, presenting the admin key, is not locked out.
            JsonNode list = s.get("/ops/abuse/blocks", admin()).json();
            assertThat(list.get("count").asInt()).isEqualTo(1);
            JsonNode block = list.get("blocks").get(0);
            assertThat(block.get("ip").asText()).isEqualTo("127.0.0.1");
            assertThat(block.get("reason").asText()).isEqualTo("failed_auth");
            assertThat(block.get("hits").asInt()).isEqualTo(3);
            assertThat(block.get("level").asInt()).isEqualTo(1);
            assertThat(block.get("active").asBoolean()).isTrue();
            assertThat(Instant.parse(block.get("until").asText())).isEqualTo(until);
            // Even the metrics scrape is refused to a blocked IP.
            assertThat(s.get("/metrics").status()).isEqualTo(403);

            Response lifted = s.delete("/ops/abuse/blocks/" + block.get("id").asText(), admin());
            assertThat(lifted.status()).isEqualTo(200);
            assertThat(lifted.json().get("active").asBoolean()).isFalse();
            assertThat(lifted.json().get("lifted_at").asText()).endsWith("Z");
            assertThat(s.get("/api/v1/status").status()).isEqualTo(200);
            assertThat(s.get("/metrics").body()).contains("levqor_abuse_blocks_total{reason=\"failed_auth\"} 1.0")
                    .contains("levqor_abuse_rejections_total 2.0");
            assertThat(s.get("/ops/abuse/blocks?active=true", admin()).json().get("count").asInt()).isZero();
            assertThat(s.get("/ops/abuse/blocks", admin()).json().get("count").asInt()).isEqualTo(1);

            assertThat(s.delete("/ops/abuse/blocks/00000000-0000-7000-8000-000000000000", admin()).status())
                    .isEqualTo(404);
            assertThat(s.get("/ops/abuse/blocks?active=maybe", admin()).status()).isEqualTo(400);
        }
    }

    @Test
    void repeatOffendersAreBlockedLonger() {
        try (TestServer s = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "2", "ABUSE_BLOCK_SECONDS", "60",
                "ABUSE_ESCALATE_AFTER_BLOCKS", "2", "ABUSE_ESCALATED_BLOCK_SECONDS", "86400"))) {
            failAuth(s, 2);
            String first = s.get("/ops/abuse/blocks", admin()).json().get("blocks").get(0).get("id").asText();
            s.delete("/ops/abuse/blocks/" + first, admin());
            failAuth(s, 2);
            JsonNode latest = s.get("/ops/abuse/blocks?active=true", admin()).json().get("blocks").get(0);
            assertThat(latest.get("level").asInt()).isEqualTo(2);
            Duration length = Duration.between(Instant.parse(latest.get("since").asText()),
                    Instant.parse(latest.get("until").asText()));
            assertThat(length).isEqualTo(Duration.ofDays(1));
            assertThat(s.get("/api/v1/status").status()).isEqualTo(403);
        }
    }

    @Test
    void aBlockPlacedByOneInstanceIsHonouredByAnotherOnTheSameDatabase() {
        try (TestServer a = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "2"));
             TestServer b = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "2", "DATABASE_URL", a.jdbcUrl()))) {
            assertThat(b.get("/api/v1/status").status()).isEqualTo(200);
            failAuth(a, 2);
            assertThat(a.get("/api/v1/status").status()).isEqualTo(403);
            // b reloads its copy of the blocks every AbuseBlocks.REFRESH_INTERVAL.
            assertThat(eventually(() -> b.get("/api/v1/status").status(), 403)).isEqualTo(403);
            String id = b.get("/ops/abuse/blocks", admin()).json().get("blocks").get(0).get("id").asText();
            assertThat(b.delete("/ops/abuse/blocks/" + id, admin()).status()).isEqualTo(200);
            assertThat(b.get("/api/v1/status").status()).isEqualTo(200);
            assertThat(eventually(() -> a.get("/api/v1/status").status(), 200)).isEqualTo(200);
        }
    }

    @Test
    void failuresAreCountedAcrossInstancesThroughRedis() {
        try (TestRedis redis = TestRedis.start();
             TestServer a = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "4", "REDIS_URL", redis.url()));
             TestServer b = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "4", "REDIS_URL", redis.url(),
                     "DATABASE_URL", a.jdbcUrl()))) {
            failAuth(a, 2);
            failAuth(b, 1);
            assertThat(a.get("/api/v1/status").status()).isEqualTo(200);
            failAuth(b, 1);
            // Four failures in all, split over two instances: blocked on both.
            assertThat(b.get("/api/v1/status").status()).isEqualTo(403);
            assertThat(eventually(() -> a.get("/api/v1/status").status(), 403)).isEqualTo(403);
            assertThat(a.get("/ops/abuse/blocks", admin()).json().get("blocks").get(0).get("hits").asInt())
                    .isEqualTo(4);
            // Redis gone: failures are still counted, per instance, and still block.
            String id = a.get("/ops/abuse/blocks", admin()).json().get("blocks").get(0).get("id").asText();
            a.delete("/ops/abuse/blocks/" + id, admin());
            redis.kill();
            assertThat(eventually(() -> b.get("/api/v1/status").status(), 200)).isEqualTo(200);
            failAuth(b, 4);
            assertThat(b.get("/api/v1/status").status()).isEqualTo(403);
        }
    }

    private static int eventually(java.util.function.IntSupplier probe, int wanted) {
        long deadline = System.currentTimeMillis() + 10_000;
        int last = probe.getAsInt();
        while (last != wanted && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = probe.getAsInt();
        }
        return last;
    }

    @Test
    void withTheFlagOffFailuresNeverBlock() {
        try (TestServer s = TestServer.start(Map.of("ABUSE_GUARDS_ENABLED", "false", "ABUSE_FAILED_AUTH_LIMIT", "2"))) {
            failAuth(s, 6);
            assertThat(s.get("/api/v1/status").status()).isEqualTo(200);
            assertThat(s.get("/ops/abuse/blocks", admin()).json().get("count").asInt()).isZero();
        }
    }

    @Test
    void exemptRangesAreNeverBlocked() {
        try (TestServer s = TestServer.start(Map.of("ABUSE_FAILED_AUTH_LIMIT", "2",
                "ABUSE_EXEMPT_CIDRS", "127.0.0.0/8, ::1/128"))) {
            failAuth(s, 5);
            assertThat(s.get("/api/v1/status").status()).isEqualTo(200);
        }
    }
}
