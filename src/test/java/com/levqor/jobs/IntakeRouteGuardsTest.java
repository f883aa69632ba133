package com.levqor.jobs;

import static com.levqor.jobs.IntakeRouteTest.VIA_JAVALIN;
import static com.levqor.jobs.IntakeRouteTest.plus;
import static com.levqor.jobs.IntakeRouteTest.send;
import static com.levqor.jobs.IntakeRouteTest.shape;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge guards hold on {@link IntakeRoute} as they do on Javalin's route: per-key limits, blocked addresses. */
class IntakeRouteGuardsTest {
    @Test
    void perKeyRateLimitsAndBlockedAddressesHold() {
        try (TestServer s = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "RATELIMIT_PRO_PER_MINUTE", "3",
                "ABUSE_FAILED_AUTH_LIMIT", "2"))) {
            String key = s.createAccount("route-limits@example.com", "pro").get("api_key").asText();
            String echo = "{\"workflow\":\"echo\",\"payload\":{}}";
            List<Response> allowed = new ArrayList<>();
            allowed.add(send(s, echo, "application/json", bearer(key)));
            allowed.add(send(s, echo, "application/json", plus(bearer(key), VIA_JAVALIN)));
            allowed.add(send(s, "{\"bad\":1}", "application/json", bearer(key)));
            assertThat(allowed).extracting(Response::status).containsExactly(202, 202, 400);
            assertThat(allowed).extracting(x -> x.header("X-RateLimit-Remaining")).containsExactly("2", "1", "0");
            assertThat(allowed).allSatisfy(x -> assertThat(x.header("RateLimit-Policy")).isEqualTo("\"api_key\";q=3;w=60"));
            Response limited = send(s, echo, "application/json", bearer(key));
            Response limitedJavalin = send(s, echo, "application/json", plus(bearer(key), VIA_JAVALIN));
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.header("Retry-After")).isNotNull();
            assertThat(limited.json().get("details").get("scope").asText()).isEqualTo("api_key");
            Map<String, Object> a = shape(limited);
            Map<String, Object> b = shape(limitedJavalin);
            a.remove("retry-after");
            b.remove("retry-after");
            a.put("body", a.get("body").toString().replaceAll("\\d+ s\\.|\"retry_after_seconds\":\"\\d+\"", "N"));
            b.put("body", b.get("body").toString().replaceAll("\\d+ s\\.|\"retry_after_seconds\":\"\\d+\"", "N"));
            assertThat(a).isEqualTo(b);

            // Two failed authentications block this address: even a live key is then refused (403).
            assertThat(send(s, echo, "application/json", bearer("lvq_" + "B".repeat(43))).status()).isEqualTo(401);
            assertThat(send(s, echo, "application/json", bearer("lvq_" + "C".repeat(43))).status()).isEqualTo(401);
            String other = s.createAccount("route-other@example.com", "pro").get("api_key").asText();
            Response blocked = send(s, echo, "application/json", bearer(other));
            assertThat(blocked.status()).as(blocked.toString()).isEqualTo(403);
            assertThat(blocked.json().get("error").asText()).isEqualTo("ip_blocked");
        }
    }

}
