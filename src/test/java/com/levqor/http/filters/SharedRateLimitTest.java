package com.levqor.http.filters;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two server instances against one real redis-server share one limit; without Redis each keeps its own. */
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
