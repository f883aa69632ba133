package com.levqor.jobs.callbacks;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** callback_url receives the final state, signed Standard Webhooks style, retried with backoff; http.request's SSRF guard. */
class CallbacksTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final byte[] SECRET = "levqor-test-callback-secret-32by".getBytes(StandardCharsets.UTF_8);
    static final String WHSEC = "whsec_" + Base64.getEncoder().encodeToString(SECRET);

    record Delivery(Map<String, String> headers, String body) {
    }

    static HttpServer receiver;
    static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    static final AtomicInteger failuresLeft = new AtomicInteger();
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            deliveries.add(new Delivery(Map.of(
                    "webhook-id", String.valueOf(ex.getRequestHeaders().getFirst("webhook-id")),
                    "webhook-timestamp", String.valueOf(ex.getRequestHeaders().getFirst("webhook-timestamp")),
                    "webhook-signature", String.valueOf(ex.getRequestHeaders().getFirst("webhook-signature"))), body));
            int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        receiver.createContext("/target", ex -> {
            byte[] out = ("{\"method\":\"" + ex.getRequestMethod() + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        receiver.start();
        server = TestServer.start(Map.of(
                "HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1",
                "CALLBACK_SIGNING_SECRET", WHSEC,
                "RETRY_BASE_DELAY_MS", "100",
                "RETRY_MAX_DELAY_MS", "300"));
        key = server.createAccount("callbacks@example.com", "pro").get("api_key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.stop(0);
    }

    static String base() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort();
    }

    static String expectedSignature(String id, String ts, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void finalStateIsPostedSignedAndRetriedUntilAccepted() throws Exception {
        deliveries.clear();
        failuresLeft.set(2);
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{\"v\":7},\"callback_url\":\""
                + base() + "/hook\"}", bearer(key));
        assertThat(r.status()).isEqualTo(202);
        String id = r.json().get("job_id").asText();
        Await.value("the job's callback to be delivered", WAIT,
                () -> server.get("/api/v1/status/" + id, bearer(key)).json(),
                j -> "delivered".equals(j.path("callback_state").asText()));
        assertThat(deliveries).hasSize(3);
        Delivery last = deliveries.get(2);
        JsonNode body = new ObjectMapper().readTree(last.body());
        assertThat(body.get("type").asText()).isEqualTo("job.succeeded");
        assertThat(body.get("data").get("job_id").asText()).isEqualTo(id);
        assertThat(body.get("data").get("status").asText()).isEqualTo("succeeded");
        assertThat(body.get("data").get("result").get("v").asInt()).isEqualTo(7);
        String wid = last.headers().get("webhook-id");
        String ts = last.headers().get("webhook-timestamp");
        assertThat(wid).contains(id);
        assertThat(Long.parseLong(ts)).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
        assertThat(last.headers().get("webhook-signature")).isEqualTo(expectedSignature(wid, ts, last.body()));
        // Retries keep the message id, so the receiver can deduplicate.
        assertThat(deliveries.get(0).headers().get("webhook-id")).isEqualTo(wid);
    }

    @Test
    void deadJobsAreCalledBackToo() {
        deliveries.clear();
        failuresLeft.set(0);
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"fail\",\"payload\":{},\"max_attempts\":1,"
                + "\"callback_url\":\"" + base() + "/hook\"}", bearer(key));
        String id = r.json().get("job_id").asText();
        Await.until("the dead job's callback", WAIT, () -> deliveries.stream().anyMatch(d -> d.body().contains(id)));
        assertThat(deliveries.stream().filter(d -> d.body().contains(id)).findFirst().orElseThrow().body())
                .contains("\"type\":\"job.dead\"").contains("last_error");
    }

    @Test
    void httpRequestReachesAllowListedHostsAndRefusesOtherPrivateOnes() {
        Response ok = server.post("/api/v1/intake", "{\"workflow\":\"http.request\",\"payload\":{\"method\":\"POST\","
                + "\"url\":\"" + base() + "/target\",\"body\":{\"a\":1}}}", bearer(key));
        assertThat(ok.status()).isEqualTo(202);
        JsonNode done = Await.status(server, key, ok.json().get("job_id").asText(), "succeeded", WAIT);
        assertThat(done.get("result").get("status").asInt()).isEqualTo(200);
        assertThat(done.get("result").get("body").asText()).contains("POST");

        int port = receiver.getAddress().getPort();
        Response refused = server.post("/api/v1/intake", "{\"workflow\":\"http.request\",\"payload\":{"
                + "\"url\":\"http://127.0.0.2:" + port + "/target\"},\"max_attempts\":1}", bearer(key));
        JsonNode dead = Await.status(server, key, refused.json().get("job_id").asText(), "dead", WAIT);
        assertThat(dead.get("last_error").asText()).contains("loopback").contains("HTTP_REQUEST_ALLOWED_HOSTS");
    }
}
