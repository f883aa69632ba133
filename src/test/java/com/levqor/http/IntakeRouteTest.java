package com.levqor.http;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.http.DirectRoute;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/intake} is served by {@link IntakeRoute} in front of Javalin; a server started
 * without the direct routes serves the same request through Javalin's route. Every answer, success
 * or failure, must be the same both ways, headers included, and the route must really have served
 * the requests it should. (The edge guards' answers are compared in {@link EdgeParityTest}.)
 */
class IntakeRouteTest {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Map<String, String> ENV = Map.of("WORKER_CONCURRENCY", "0", "MAX_PAYLOAD_BYTES", "1024",
            "BUDGET_FREE_UNITS_PER_DAY", "2");

    static TestServer server;
    static TestServer javalin;
    static String pro;
    static String free;
    static String javalinPro;
    static String javalinFree;

    @BeforeAll
    static void start() {
        server = TestServer.start(ENV);
        javalin = TestServer.startJavalinOnly(ENV);
        pro = server.createAccount("route-pro@example.com", "pro").get("api_key").asText();
        free = server.createAccount("route-free@example.com", "free").get("api_key").asText();
        javalinPro = javalin.createAccount("route-pro@example.com", "pro").get("api_key").asText();
        javalinFree = javalin.createAccount("route-free@example.com", "free").get("api_key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        javalin.close();
    }

    /** The same headers with the Javalin server's keys in place of the direct server's. */
    private static String[] onJavalin(String[] headers) {
        String[] out = headers.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].replace(pro, javalinPro).replace(free, javalinFree);
        }
        return out;
    }

    private static DirectRoute route(TestServer s) {
        return s.app().directRoutes().stream().filter(r -> r.path().equals("/api/v1/intake")).findFirst().orElseThrow();
    }

    static Response send(TestServer s, String body, String contentType, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri("/api/v1/intake"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return s.send(b);
    }

    static String[] plus(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Status, headers and body with what differs by nature (ids, dates, remaining counts) masked. */
    static Map<String, Object> shape(Response r) {
        Map<String, Object> m = new TreeMap<>();
        m.put("status", r.status());
        r.headers().map().forEach((name, values) -> {
            String n = name.toLowerCase();
            switch (n) {
                case "date", "ratelimit", "x-ratelimit-remaining", "x-ratelimit-reset" -> m.put(n, "(present)");
                case "x-request-id" -> m.put(n, UUID.matcher(String.join(",", values)).matches() ? "(new)" : values);
                default -> m.put(n, UUID.matcher(String.join(",", values)).replaceAll("<uuid>"));
            }
        });
        m.put("body", UUID.matcher(r.body()).replaceAll("<uuid>"));
        return m;
    }

    private record Case(String name, String body, String contentType, String[] headers) {
    }

    @Test
    void everyAnswerIsTheJavalinRoutesAnswer() {
        String big = "x".repeat(1100);
        List<Case> cases = List.of(
                new Case("created", "{\"workflow\":\"echo\",\"payload\":{\"n\":1}}", "application/json", bearer(pro)),
                new Case("x-api-key and all fields", "{\"workflow\":\"echo\",\"payload\":{},\"priority\":\"high\","
                        + "\"max_attempts\":2,\"timeout_seconds\":5,\"callback_url\":\"https://example.com/cb\","
                        + "\"run_at\":\"2030-01-01T00:00:00Z\"}", "application/json; charset=utf-8",
                        new String[] {"X-Api-Key", pro}),
                new Case("curl's form type", "{\"workflow\":\"echo\",\"payload\":{}}",
                        "application/x-www-form-urlencoded", bearer(pro)),
                new Case("sane request id echoed", "{\"workflow\":\"echo\"}", "application/json",
                        bearer(pro, "X-Request-Id", "trace-42:abc")),
                new Case("insane request id replaced", "{\"workflow\":\"echo\"}", "application/json",
                        bearer(pro, "X-Request-Id", "no spaces allowed")),
                new Case("unknown field and workflow", "{\"workflow\":\"nope\",\"payload\":{},\"x\":1}",
                        "application/json", bearer(pro)),
                new Case("wrong types", "{\"workflow\":7,\"payload\":[],\"priority\":\"urgent\",\"max_attempts\":\"3\","
                        + "\"run_at\":\"tomorrow\",\"callback_url\":\"ftp://x\"}", "application/json", bearer(pro)),
                new Case("malformed JSON", "{\"workflow\":\"echo\",", "application/json", bearer(pro)),
                new Case("not an object", "[1,2]", "application/json", bearer(pro)),
                new Case("empty body", "", "application/json", bearer(pro)),
                new Case("XML", "<job/>", "application/xml", bearer(pro)),
                new Case("payload too large", "{\"workflow\":\"echo\",\"payload\":{\"s\":\"" + big + "\"}}",
                        "application/json", bearer(pro)),
                new Case("header and body keys differ", "{\"workflow\":\"echo\",\"payload\":{},\"idempotency_key\":\"a\"}",
                        "application/json", bearer(pro, "Idempotency-Key", "b")));
        long before = route(server).served();
        for (Case c : cases) {
            Response direct = send(server, c.body(), c.contentType(), c.headers());
            Response viaJavalin = send(javalin, c.body(), c.contentType(), onJavalin(c.headers()));
            assertThat(shape(direct)).as(c.name() + ": " + direct + " vs " + viaJavalin).isEqualTo(shape(viaJavalin));
            assertThat(direct.status()).as(c.name()).isNotEqualTo(500);
        }
        assertThat(route(server).served() - before).as("requests the direct route served").isEqualTo(cases.size());
    }

    @Test
    void repeatsAndBudgetsAnswerAlike() {
        Response first = send(server, "{\"workflow\":\"echo\",\"payload\":{},\"idempotency_key\":\"same\"}",
                "application/json", bearer(pro));
        assertThat(first.status()).isEqualTo(202);
        assertThat(send(javalin, "{\"workflow\":\"echo\",\"payload\":{},\"idempotency_key\":\"same\"}",
                "application/json", bearer(javalinPro)).status()).isEqualTo(202);
        Response viaJavalin = send(javalin, "{\"workflow\":\"echo\",\"payload\":{}}", "application/json",
                bearer(javalinPro, "Idempotency-Key", "same"));
        Response direct = send(server, "{\"workflow\":\"echo\",\"payload\":{}}", "application/json",
                bearer(pro, "Idempotency-Key", "same"));
        assertThat(direct.status()).isEqualTo(200);
        assertThat(direct.json().get("job_id")).isEqualTo(first.json().get("job_id"));
        assertThat(shape(direct)).isEqualTo(shape(viaJavalin));
        assertThat(direct.header("Location")).isEqualTo("/api/v1/status/" + first.json().get("job_id").asText());

        // The free plan's budget here is 2 units: two echo jobs, then 402 both ways.
        String echo = "{\"workflow\":\"echo\",\"payload\":{}}";
        for (int i = 0; i < 2; i++) {
            assertThat(send(server, echo, "application/json", bearer(free)).status()).isEqualTo(202);
            assertThat(send(javalin, echo, "application/json", bearer(javalinFree)).status()).isEqualTo(202);
        }
        Response over = send(server, echo, "application/json", bearer(free));
        Response overJavalin = send(javalin, echo, "application/json", bearer(javalinFree));
        assertThat(over.status()).as(over.toString()).isEqualTo(402);
        assertThat(shape(over)).isEqualTo(shape(overJavalin));
    }

    @Test
    void aBodyWithoutADeclaredLengthGoesOnToJavalin() {
        long before = route(server).served();
        String echo = "{\"workflow\":\"echo\",\"payload\":{}}";
        Response chunked = server.send(HttpRequest.newBuilder(server.uri("/api/v1/intake"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + pro)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(echo.getBytes()))));
        assertThat(chunked.status()).as("a body without Content-Length").isEqualTo(202);
        assertThat(route(server).served()).isEqualTo(before);
    }

    @Test
    void servedRequestsAreMeasuredAndLogged() {
        Response r = send(server, "{\"workflow\":\"echo\",\"payload\":{}}", "application/json",
                bearer(pro, "X-Request-Id", "route-log-check-1"));
        assertThat(r.status()).isEqualTo(202);
        Response metrics = server.get("/metrics");
        assertThat(metrics.body()).containsPattern(
                "levqor_http_request_duration_seconds_count\\{method=\"POST\",route=\"/api/v1/intake\",status=\"202\"} [1-9]");
        Await.until("the access-log line of the request", Duration.ofSeconds(5),
                () -> appLog().lines().anyMatch(l -> l.contains("levqor.access - POST /api/v1/intake 202 ")
                        && l.endsWith("ms rid=route-log-check-1")));
    }

    /** The app.log of both servers: logging is set up once per process, by the server started last. */
    private static String appLog() {
        return server.logText("app.log") + javalin.logText("app.log");
    }

    @Test
    void aRequestWithoutTheRouteGoesOnToThe404() {
        Response r = server.send(HttpRequest.newBuilder(URI.create(server.uri("/api/v1/intakes").toString()))
                .header("Authorization", "Bearer " + pro).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
    }
}
