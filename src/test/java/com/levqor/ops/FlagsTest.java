package com.levqor.ops;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.Main;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GET /ops/flags and `levqor flags` show the effective flags and edge limits, secrets never. */
class FlagsTest {

    @Test
    void opsFlagsShowsEffectiveFlagsAndLimitsToTheAdminOnly() {
        try (TestServer s = TestServer.start(Map.of("RATELIMIT_ENABLED", "false", "RATELIMIT_FREE_PER_MINUTE", "42",
                "STRIPE_WEBHOOK_SECRET", "whsec_never_shown_123456", "TRUSTED_PROXIES", "10.0.0.0/8"))) {
            Response r = s.get("/ops/flags", admin());
            assertThat(r.status()).isEqualTo(200);
            JsonNode flags = r.json().get("flags");
            assertThat(flags.get("RATELIMIT_ENABLED").asBoolean()).isFalse();
            assertThat(flags.get("SECURITY_HEADERS_ENABLED").asBoolean()).isTrue();
            assertThat(flags.get("WEBHOOK_VERIFY_ALL").asBoolean()).isTrue();
            assertThat(flags.get("ABUSE_GUARDS_ENABLED").asBoolean()).isTrue();
            assertThat(flags.get("NEW_QUEUE_ENABLED").asBoolean()).isTrue();
            JsonNode limits = r.json().get("limits");
            assertThat(limits.get("RATELIMIT_FREE_PER_MINUTE").asInt()).isEqualTo(42);
            assertThat(limits.get("TRUSTED_PROXIES").get(0).asText()).isEqualTo("10.0.0.0/8");
            assertThat(limits.get("STRIPE_WEBHOOK_SECRET").asText()).isEqualTo("set");
            assertThat(r.json().get("rate_limit_store").asText()).isEqualTo("off");
            assertThat(r.body()).doesNotContain("whsec_never_shown");
            assertThat(s.get("/ops/flags").status()).isEqualTo(401);
        }
    }

    @Test
    void levqorFlagsPrintsFlagsLimitsAndDefaults() {
        Map<String, String> env = new HashMap<>();
        env.put("LOG_DIR", Path.of("target", "tmp", "flags-cli").toString());
        env.put("WEBHOOK_VERIFY_ALL", "false");
        env.put("SLACK_SIGNING_SECRET", "slack-secret-never-printed");
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            status = Main.run(env, "flags");
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(status).isZero();
        assertThat(out).containsPattern("WEBHOOK_VERIFY_ALL\\s+false")
                .containsPattern("RATELIMIT_ENABLED\\s+true")
                .containsPattern("RATELIMIT_FREE_PER_MINUTE\\s+60")
                .containsPattern("RATELIMIT_PRO_PER_MINUTE\\s+600")
                .containsPattern("RATELIMIT_IP_PER_MINUTE\\s+60")
                .containsPattern("ABUSE_FAILED_AUTH_LIMIT\\s+10")
                .containsPattern("RATELIMIT_STORE\\s+local")
                .doesNotContain("slack-secret-never-printed");
    }

    @Test
    void invalidEdgeSettingsAreReportedTogetherWithExitStatus2() {
        Map<String, String> env = new HashMap<>();
        env.put("LOG_DIR", Path.of("target", "tmp", "flags-cli").toString());
        env.put("TRUSTED_PROXIES", "10.0.0.0/99");
        env.put("CORS_ALLOWED_ORIGINS", "*");
        env.put("RATELIMIT_IP_PER_MINUTE", "lots");
        env.put("REDIS_URL", "http://nope");
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int status;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            status = Main.run(env, "flags");
        } finally {
            System.setErr(saved);
        }
        assertThat(status).isEqualTo(2);
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("TRUSTED_PROXIES").contains("CORS_ALLOWED_ORIGINS")
                .contains("RATELIMIT_IP_PER_MINUTE").contains("REDIS_URL");
    }
}
