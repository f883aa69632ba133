package com.levqor.http;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Per-IP and per-key token buckets in local mode (no REDIS_URL); the shared mode is SharedRateLimitTest. */
class RateLimitingTest {
    static TestServer on;
    static TestServer off;
    static TestServer behindProxy;

    @BeforeAll
    static void start() {
        on = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "5", "RATELIMIT_FREE_PER_MINUTE", "3",
                "RATELIMIT_PRO_PER_MINUTE", "6"));
        off = TestServer.start(Map.of("RATELIMIT_ENABLED", "false", "RATELIMIT_IP_PER_MINUTE", "5",
                "RATELIMIT_FREE_PER_MINUTE", "3"));
        behindProxy = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "2", "TRUSTED_PROXIES", "127.0.0.1/32"));
    }

    @AfterAll
    static void stop() {
        on.close();
        off.close();
        behindProxy.close();
    }

    private static List<Integer> statuses(TestServer s, int n, String path, String... headers) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.get(path, headers).status());
        }
        return out;
    }

    @Test
    void perIpLimitAnswers429WithRetryAfterAndTheScopePastTheLimit() {
        Response first = on.get("/api/v1/status");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("RateLimit-Policy")).isEqualTo("\"ip\";q=5;w=60");
        assertThat(first.header("RateLimit")).startsWith("\"ip\";r=4;t=");
        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("5");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("4");
        assertThat(Long.parseLong(first.header("X-RateLimit-Reset")))
                .isGreaterThanOrEqualTo(System.currentTimeMillis() / 1000);
        assertThat(statuses(on, 4, "/api/v1/status")).containsOnly(200);
        Response limited = on.get("/api/v1/status");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");
        JsonNode body = limited.json();
        assertThat(body.get("error").asText()).isEqualTo("rate_limited");
        assertThat(body.get("details").get("scope").asText()).isEqualTo("ip");
        assertThat(body.get("message").asText()).contains("per client IP");
        assertThat(body.get("request_id").asText()).isNotBlank();
        // Probes are exempt: a busy health check is never answered 429.
        assertThat(statuses(on, 8, "/ops/uptime")).containsOnly(200);
        assertThat(on.get("/metrics").body()).contains("levqor_ratelimit_rejections_total{scope=\"ip\"}");
    }

    @Test
    void theStatusPageIsNeverLimitedPerIpWhileApiRoutesAre() {
        try (TestServer s = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "3"))) {
            List<String> status = List.of("/status", "/status.json", "/status/badge.svg", "/status/history.atom",
                    "/status/style.css", "/status/incidents/01890000-0000-7000-8000-000000000000");
            for (String path : status) {
                Response r = s.get(path);
                assertThat(r.status()).as(path).isNotEqualTo(429).isLessThan(500);
                assertThat(r.header("RateLimit-Policy")).as(path + " counts against no bucket").isNull();
            }
            assertThat(statuses(s, 20, "/status.json")).containsOnly(200);
            // The same client on a public API route meets its limit…
            assertThat(statuses(s, 3, "/api/v1/status")).containsOnly(200);
            assertThat(s.get("/api/v1/status").status()).isEqualTo(429);
            // …and the status page still answers it.
            assertThat(statuses(s, 10, "/status.json")).containsOnly(200);
            assertThat(statuses(s, 10, "/status/badge.svg")).containsOnly(200);
            assertThat(s.get("/status").status()).isEqualTo(200);
        }
    }

    @Test
    void perKeyLimitFollowsThePlanAndEachKeyHasItsOwnBucket() {
        String free = on.createAccount("free-rl@example.com", "free").get("api_key").asText();
        String pro = on.createAccount("pro-rl@example.com", "pro").get("api_key").asText();
        assertThat(statuses(on, 3, "/api/v1/account", bearer(free))).containsOnly(200);
        Response limited = on.get("/api/v1/account", bearer(free));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("details").get("scope").asText()).isEqualTo("api_key");
        assertThat(limited.header("RateLimit-Policy")).isEqualTo("\"api_key\";q=3;w=60");
        assertThat(limited.header("Retry-After")).isNotBlank();

        Response proFirst = on.get("/api/v1/account", bearer(pro));
        assertThat(proFirst.header("X-RateLimit-Limit")).isEqualTo("6");
        assertThat(statuses(on, 5, "/api/v1/account", bearer(pro))).containsOnly(200);
        assertThat(on.get("/api/v1/account", bearer(pro)).status()).isEqualTo(429);
    }

    @Test
    void runbookCheckShows429sPastTheDefaultPerIpLimitAndNoneWithTheFlagOff() {
        Map<String, String> defaults = new java.util.HashMap<>();
        defaults.put("RATELIMIT_IP_PER_MINUTE", null); // back to the documented default
        try (TestServer s = TestServer.start(defaults)) {
            List<Integer> codes = statuses(s, 100, "/api/v1/status");
            long ok = codes.stream().filter(c -> c == 200).count();
            // 60 per minute, refilled evenly: a loop of 100 may see one or two refilled tokens.
            assertThat(ok).isBetween(60L, 63L);
            assertThat(codes).containsOnly(200, 429);
            assertThat(codes.subList(0, 60)).containsOnly(200);
        }
        defaults.put("RATELIMIT_ENABLED", "false");
        try (TestServer s = TestServer.start(defaults)) {
            assertThat(statuses(s, 100, "/api/v1/status")).containsOnly(200);
        }
    }

    @Test
    void withTheFlagOffNothingIsLimited() {
        assertThat(statuses(off, 30, "/api/v1/status")).containsOnly(200);
        assertThat(off.get("/api/v1/status").header("RateLimit-Policy")).isNull();
        String free = off.createAccount("free-off@example.com", "free").get("api_key").asText();
        assertThat(statuses(off, 10, "/api/v1/account", bearer(free))).containsOnly(200);
    }

    @Test
    void forwardedForCountsOnlyFromTrustedProxies() {
        // The peer (127.0.0.1) is a trusted proxy here: each forwarded client has its own bucket.
        assertThat(statuses(behindProxy, 2, "/api/v1/status", "X-Forwarded-For", "203.0.113.7")).containsOnly(200);
        assertThat(behindProxy.get("/api/v1/status", "X-Forwarded-For", "203.0.113.7").status()).isEqualTo(429);
        assertThat(behindProxy.get("/api/v1/status", "X-Forwarded-For", "203.0.113.8").status()).isEqualTo(200);
        // A client cannot pick its address by prepending hops: the right-most untrusted hop counts.
        assertThat(behindProxy.get("/api/v1/status", "X-Forwarded-For", "198.51.100.1, 203.0.113.7").status())
                .isEqualTo(429);
        // Without trusted proxies the header is ignored: spoofed addresses share the socket's bucket.
        try (TestServer plain = TestServer.start(Map.of("RATELIMIT_IP_PER_MINUTE", "2"))) {
            assertThat(plain.get("/api/v1/status", "X-Forwarded-For", "192.0.2.1").status()).isEqualTo(200);
            assertThat(plain.get("/api/v1/status", "X-Forwarded-For", "192.0.2.2").status()).isEqualTo(200);
            assertThat(plain.get("/api/v1/status", "X-Forwarded-For", "192.0.2.3").status()).isEqualTo(429);
        }
    }
}
