package com.levqor.http;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import com.sun.net.httpserver.HttpServer;
import io.javalin.config.RoutesConfig;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error is JSON with a request id; no stack trace ever reaches a client. */
class HttpErrorsTest {
    static TestServer server;
    static HttpServer sentry;
    static final List<String> sentryEnvelopes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        // A local HTTP server standing in for Sentry: it receives the envelopes the SDK posts.
        sentry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sentry.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                String enc = exchange.getRequestHeaders().getFirst("Content-Encoding");
                if ("gzip".equalsIgnoreCase(enc)) {
                    body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
                }
                sentryEnvelopes.add(exchange.getRequestURI().getPath() + "\n" + new String(body, StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sentry.start();
        String dsn = "http://publickey@127.0.0.1:" + sentry.getAddress().getPort() + "/42";
        Consumer<RoutesConfig> failing = r -> r.get("/test/boom", ctx -> {
            throw new IllegalStateException("kaboom in the handler");
        }, Access.PUBLIC);
        server = TestServer.start(Map.of("SENTRY_DSN", dsn, "MAX_BODY_BYTES", "2048"), List.of(failing));
    }

    @AfterAll
    static void stop() {
        server.close();
        sentry.stop(0);
    }

    private static void assertJsonError(Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.get("error").asText()).isEqualTo(code);
        assertThat(j.get("message").asText()).isNotBlank();
        assertThat(j.get("request_id").asText()).isEqualTo(r.header("X-Request-Id"));
        assertThat(r.body()).doesNotContain("at com.").doesNotContain("Exception");
    }

    @Test
    void unknownRouteIs404Json() {
        assertJsonError(server.get("/no/such/route"), 404, "not_found");
    }

    @Test
    void wrongMethodIs405Json() {
        assertJsonError(server.delete("/ops/uptime"), 405, "method_not_allowed");
    }

    @Test
    void bodyOverMaxBodyBytesIs413Json() {
        String big = "{\"email\":\"" + "a".repeat(4096) + "@example.com\"}";
        Response r = server.post("/ops/accounts", big, admin());
        assertJsonError(r, 413, "payload_too_large");
        assertThat(r.json().get("message").asText()).contains("MAX_BODY_BYTES");
    }

    @Test
    void clientStillSendingALargeBodyReceivesThe413NotABrokenPipe() {
        // Far larger than the socket buffers: were the connection closed with the rest unread, the
        // kernel's reset would race the answer to the client (it lost it about once in 20 tries).
        // Both paths: a Javalin route and the intake the selector serves itself.
        String key = server.createAccount("still-sending@example.com", "pro").get("api_key").asText();
        String big = "{\"email\":\"" + "a".repeat(3 * 1024 * 1024) + "\"}";
        for (int i = 0; i < 40; i++) {
            Response r = i % 2 == 0 ? server.post("/ops/accounts", big, admin())
                    : server.post("/api/v1/intake", big, "Authorization", "Bearer " + key);
            assertJsonError(r, 413, "payload_too_large");
        }
    }

    @Test
    void chunkedBodyOverTheCapIs413Too() {
        byte[] big = ("{\"email\":\"" + "a".repeat(8192) + "@example.com\"}").getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/ops/accounts"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                // A publisher of unknown length is sent chunked: no Content-Length to refuse early.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)));
        assertJsonError(server.send(b), 413, "payload_too_large");
    }

    @Test
    void malformedJsonIs400WithWhere() {
        Response r = server.post("/ops/accounts", "{\"email\": \"x@example.com\",", admin());
        assertJsonError(r, 400, "malformed_json");
        assertThat(r.json().get("message").asText()).contains("line 1");
    }

    @Test
    void nonObjectBodyAndWrongTypesAre400() {
        assertJsonError(server.post("/ops/accounts", "[1,2]", admin()), 400, "invalid_request");
        assertJsonError(server.post("/ops/accounts", "\"text\"", admin()), 400, "invalid_request");
        assertJsonError(server.post("/ops/accounts", "{\"email\":[\"a@b.c\"]}", admin()), 400, "invalid_request");
    }

    @Test
    void deeplyNestedJsonIsRefusedNot500() {
        String deep = "{\"email\":" + "[".repeat(500) + "]".repeat(500) + "}";
        Response r = server.post("/ops/accounts", deep, admin());
        assertJsonError(r, 400, "malformed_json");
    }

    @Test
    void xmlContentTypeIs415() {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/ops/accounts"))
                .header("Content-Type", "application/xml")
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("<account/>"));
        assertJsonError(server.send(b), 415, "unsupported_media_type");
    }

    @Test
    void errorsJettyAnswersItselfAreJsonToo() throws Exception {
        // Headers far over Jetty's limit never reach Javalin: Jetty answers 431 itself.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.app().port())) {
            String request = "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024)
                    + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 431");
            assertThat(answer).contains("Content-Type: application/json").contains("\"error\":\"http_431\"")
                    .contains("\"request_id\":").doesNotContain("<html");
        }
    }

    @Test
    void saneIncomingRequestIdIsKeptInsaneOneReplaced() {
        Response kept = server.get("/api/v1/status", "X-Request-Id", "trace-abc.123");
        assertThat(kept.header("X-Request-Id")).isEqualTo("trace-abc.123");
        Response replaced = server.get("/api/v1/status", "X-Request-Id", "bad id with spaces<script>");
        assertThat(replaced.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        Response fresh = server.get("/no/such/route");
        assertThat(fresh.header("X-Request-Id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void unhandledExceptionIs500JsonLoggedAndSentToSentry() throws Exception {
        Response r = server.get("/test/boom", "X-Request-Id", "boom-request-1");
        assertJsonError(r, 500, "internal_error");
        assertThat(r.body()).doesNotContain("kaboom");

        Path errors = server.logDir().resolve("errors.jsonl");
        JsonNode line = null;
        for (String l : Files.readAllLines(errors)) {
            JsonNode j = new ObjectMapper().readTree(l);
            if ("boom-request-1".equals(j.path("request_id").asText())) {
                line = j;
            }
        }
        assertThat(line).as("errors.jsonl line for the request").isNotNull();
        assertThat(line.get("level").asText()).isEqualTo("ERROR");
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("route").asText()).isEqualTo("/test/boom");
        assertThat(line.get("status").asInt()).isEqualTo(500);
        assertThat(line.get("error_class").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.get("message").asText()).contains("kaboom");
        assertThat(line.get("stack").asText()).contains("HttpErrorsTest");
        assertThat(line.get("time").asText()).endsWith("Z");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (sentryEnvelopes.stream().noneMatch(e -> e.contains("kaboom")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(sentryEnvelopes).anySatisfy(e -> assertThat(e).startsWith("/api/42/envelope")
                .contains("kaboom in the handler").contains("IllegalStateException"));

        String metrics = server.get("/metrics").body();
        assertThat(metrics).containsPattern("error_rate_total\\{type=\"unhandled_exception\"} [1-9]");
    }
}
