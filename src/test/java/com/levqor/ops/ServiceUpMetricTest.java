package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code levqor_service_up{service}} shows each check of {@code /ops/uptime} at scrape time: the alert
 * rules tell the queue's sync fallback from sync by choice through it.
 */
class ServiceUpMetricTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void showsEveryConfiguredCheckAndNothingForWhatIsNotConfigured() {
        try (TestServer server = TestServer.start()) {
            String metrics = server.get("/metrics").body();
            assertThat(metrics).contains("# TYPE levqor_service_up gauge")
                    .contains("levqor_service_up{service=\"database\"} 1.0")
                    .contains("levqor_service_up{service=\"queue\"} 1.0")
                    .contains("levqor_service_up{service=\"backups\"} 1.0")
                    // No REDIS_URL, no Stripe or Resend key: not configured, so no sample to alert on.
                    .doesNotContain("levqor_service_up{service=\"redis\"}")
                    .doesNotContain("levqor_service_up{service=\"payments\"}")
                    .doesNotContain("levqor_service_up{service=\"email\"}");
        }
    }

    @Test
    void queueInItsSyncFallbackShowsZeroAndOneAgainWhenRedisAnswers() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url(), "REDIS_CHECK_INTERVAL_MS", "100"))) {
            Await.until("queue and redis up", WAIT, () -> server.get("/metrics").body()
                    .contains("levqor_service_up{service=\"queue\"} 1.0"));
            assertThat(server.get("/metrics").body()).contains("levqor_service_up{service=\"redis\"} 1.0");

            redis.kill();
            Await.until("queue in its sync fallback", WAIT, () -> server.get("/metrics").body()
                    .contains("levqor_service_up{service=\"queue\"} 0.0"));
            assertThat(server.get("/metrics").body()).contains("levqor_service_up{service=\"redis\"} 0.0");

            redis.startProcess();
            Await.until("queue async again", WAIT, () -> server.get("/metrics").body()
                    .contains("levqor_service_up{service=\"queue\"} 1.0"));
        }
    }

    @Test
    void queueInSyncModeByChoiceShowsOne() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url(), "REDIS_CHECK_INTERVAL_MS", "100",
                     "NEW_QUEUE_ENABLED", "false"))) {
            assertThat(server.get("/ops/queue_health").json().get("mode").asText()).isEqualTo("sync");
            redis.kill();
            Await.until("redis seen down", WAIT, () -> server.get("/metrics").body()
                    .contains("levqor_service_up{service=\"redis\"} 0.0"));
            assertThat(server.get("/metrics").body()).contains("levqor_service_up{service=\"queue\"} 1.0");
        }
    }
}
