package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.Main;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code LOG_FORMAT}: with {@code json}, a real {@code levqor serve} process writes app.log and its
 * standard output as one JSON object per line, an access line carrying the request id, route
 * template, status and duration of a real request; unset, app.log stays text.
 */
class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void jsonFormatWritesAppLogAndStandardOutputAsOneJsonObjectPerLine() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp").toAbsolutePath()),
                "json-logs-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = TestServer.baseEnv(TestPostgres.newDatabase(), dir.resolve("logs"));
        env.put("PORT", Integer.toString(port));
        env.put("LOG_FORMAT", "json");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve");
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL")
                || k.equals("LOG_FORMAT"));
        pb.environment().putAll(env);
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Process serve = pb.start();
        String requestId = "json-log-" + UUID.randomUUID();
        String incident = UUID.randomUUID().toString();
        try {
            waitForUptime(port, Duration.ofSeconds(60));
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/status/incidents/" + incident))
                    .header("X-Request-Id", requestId).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
        } finally {
            serve.destroy(); // SIGTERM: the orderly stop writes out the buffered lines
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("stopped within a minute").isTrue();
        }

        for (Path log : List.of(stdout, dir.resolve("logs/app.log"))) {
            List<JsonNode> lines = jsonLines(log);
            assertThat(lines).as(log + ": lines").isNotEmpty();
            assertThat(lines).as(log + ": start-up and stop")
                    .anySatisfy(l -> assertThat(l.path("message").asText()).matches("Levqor \\S+ serve started in .*"))
                    .anySatisfy(l -> assertThat(l.path("message").asText()).isEqualTo("Levqor stopped"));
            JsonNode access = lines.stream().filter(l -> requestId.equals(l.path("request_id").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError(log + " has no access line for " + requestId));
            assertThat(access.path("logger_name").asText()).isEqualTo(LogSetup.ACCESS_LOGGER);
            assertThat(access.path("level").asText()).isEqualTo("INFO");
            assertThat(access.path("method").asText()).isEqualTo("GET");
            assertThat(access.path("route").asText()).isEqualTo("/status/incidents/{id}");
            assertThat(access.path("path").asText()).isEqualTo("/status/incidents/" + incident);
            assertThat(access.path("status").isInt()).isTrue();
            assertThat(access.path("status").asInt()).isEqualTo(404);
            assertThat(access.path("duration_ms").isNumber()).as("duration_ms is a number").isTrue();
            assertThat(access.path("duration_ms").asDouble()).isGreaterThanOrEqualTo(0);
            // The message is the text line, so `grep "GET /" app.log` still counts requests.
            assertThat(access.path("message").asText())
                    .matches(Pattern.quote("GET /status/incidents/" + incident + " 404 ") + "\\d+\\.\\d\\dms rid="
                            + Pattern.quote(requestId));
        }
        // The text console on standard error is replaced, not doubled.
        assertThat(Files.readString(stderr)).doesNotContain("Levqor").doesNotContain(" INFO ");
    }

    @Test
    void textIsTheDefaultAndKeepsItsLineFormat() {
        try (TestServer server = TestServer.start()) {
            String requestId = "text-log-" + UUID.randomUUID();
            Response r = server.get("/ops/uptime", "X-Request-Id", requestId);
            assertThat(r.status()).isEqualTo(200);
            Pattern accessLine = Pattern.compile("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[[^]]+\\] "
                    + "levqor\\.access - GET /ops/uptime 200 \\d+\\.\\d\\dms rid=" + Pattern.quote(requestId) + "$");
            String appLog = Await.value("the access line in app.log", Duration.ofSeconds(10),
                    () -> server.logText("app.log"), text -> accessLine.matcher(text).find());
            assertThat(appLog.lines()).noneMatch(l -> l.startsWith("{"));
        }
    }

    /** Every non-empty line of {@code file}, each of which must be one JSON object with the common fields. */
    private static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError(file + ": not a JSON line: " + line, e);
            }
            assertThat(node.isObject()).as(file + ": one object per line: " + line).isTrue();
            for (String field : List.of("@timestamp", "level", "logger_name", "thread_name", "message")) {
                assertThat(node.hasNonNull(field)).as(file + ": " + field + " in " + line).isTrue();
            }
            assertThat(Instant.parse(node.get("@timestamp").asText())).as("a UTC timestamp").isNotNull();
            nodes.add(node);
        }
        return nodes;
    }

    private void waitForUptime(int port, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/ops/uptime")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("levqor serve did not answer /ops/uptime within " + max);
    }
}
