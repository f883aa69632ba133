package com.levqor.ops;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.accounts.Plan;
import com.levqor.http.Access;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The log folder stops taking lines under a running server (the tests run as root, where a
 * {@code chmod} stops nothing, so the folder is replaced by a file, or app.log leads to
 * {@code /dev/full}, where every write fails with "No space left on device"): requests and jobs go on,
 * {@code /ops/uptime} says {@code "logs":"failing"} and {@code levqor_logs_writable} is 0; once the
 * folder is back, both say so again by themselves and new lines reach the files.
 */
class LogFolderFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ECHO = "{\"workflow\":\"echo\",\"payload\":{\"n\":1}}";

    @Test
    void aLogFolderReplacedByAFileFailsNoRequestNorJobAndLoggingResumesWhenItIsBack() throws Exception {
        try (TestServer server = start()) {
            String key = server.app().accounts().create("log-folder@example.com", Plan.FREE).apiKey();
            Path dir = server.logDir();
            assertWritable(server);

            Path moved = dir.resolveSibling(dir.getFileName() + "-moved");
            Files.move(dir, moved);
            Files.writeString(dir, "not a folder");

            awaitFailing(server);
            requestsAndAJobStillSucceed(server, key);
            Response boom = server.get("/test/boom");
            assertThat(boom.status()).as("an error whose errors.jsonl line cannot be written still answers")
                    .isEqualTo(500);
            assertThat(boom.json().get("error").asText()).isEqualTo("internal_error");
            assertThat(uptime(server).get("services").get("logs").asText()).isEqualTo("failing");

            Files.delete(dir);
            Files.createDirectory(dir);

            assertWritable(server);
            String rid = server.get("/api/v1/status").header("X-Request-Id");
            Await.until("the access line of a request after the folder came back", WAIT,
                    () -> server.logText("app.log").contains("rid=" + rid));
            assertThat(server.logText("app.log")).contains("The log files can be written again");
            String errorRid = server.get("/test/boom").header("X-Request-Id");
            Await.until("errors.jsonl written again", WAIT,
                    () -> server.logText("errors.jsonl").contains("\"request_id\":\"" + errorRid + "\""));
            delete(moved);
        }
    }

    @Test
    void aLogFileOnAFullDiskFailsNoRequestNorJobAndLoggingResumesWhenItHasRoom() throws Exception {
        try (TestServer server = start()) {
            String key = server.app().accounts().create("log-full@example.com", Plan.FREE).apiKey();
            Path appLog = server.logDir().resolve("app.log");
            assertWritable(server);

            // Every write to /dev/full fails with ENOSPC, as on a full disk.
            Files.delete(appLog);
            Files.createSymbolicLink(appLog, Path.of("/dev/full"));

            awaitFailing(server);
            requestsAndAJobStillSucceed(server, key);
            assertThat(uptime(server).get("services").get("logs").asText()).isEqualTo("failing");

            Files.delete(appLog);

            assertWritable(server);
            String rid = server.get("/api/v1/status").header("X-Request-Id");
            Await.until("the access line of a request after the disk had room", WAIT,
                    () -> server.logText("app.log").contains("rid=" + rid));
            assertThat(Files.isRegularFile(appLog)).isTrue();
        }
    }

    @Test
    void aServerStartsWhenItsLogFolderCannotBeCreatedAndLogsOnceItCan() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "logfault-")
                .resolve("logs");
        Files.writeString(dir, "a file where the log folder should be");
        try (TestServer server = TestServer.start(Map.of("LOG_DIR", dir.toString()))) {
            String key = server.app().accounts().create("log-start@example.com", Plan.FREE).apiKey();
            awaitFailing(server);
            requestsAndAJobStillSucceed(server, key);

            Files.delete(dir);

            assertWritable(server);
            String rid = server.get("/api/v1/status").header("X-Request-Id");
            Await.until("the access line of a request once the folder could be created", WAIT,
                    () -> Files.isRegularFile(dir.resolve("app.log"))
                            && read(dir.resolve("app.log")).contains("rid=" + rid));
            assertThat(dir.resolve("errors.jsonl")).exists();
        }
    }

    private static TestServer start() {
        return TestServer.start(Map.of(), List.of(r -> r.get("/test/boom", ctx -> {
            throw new IllegalStateException("boom for the log folder test");
        }, Access.PUBLIC)));
    }

    private static void requestsAndAJobStillSucceed(TestServer server, String key) {
        for (int i = 0; i < 20; i++) {
            Response status = server.get("/api/v1/status");
            assertThat(status.status()).as(status.toString()).isEqualTo(200);
        }
        Response accepted = server.post("/api/v1/intake", ECHO, bearer(key));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        String jobId = accepted.json().get("job_id").asText();
        Await.status(server, key, jobId, "succeeded", WAIT);
        Response jobs = server.get("/api/v1/jobs", bearer(key));
        assertThat(jobs.status()).as(jobs.toString()).isEqualTo(200);
    }

    private static void awaitFailing(TestServer server) {
        JsonNode up = Await.value("/ops/uptime to say the logs are failing", WAIT, () -> uptime(server),
                u -> "failing".equals(u.get("services").get("logs").asText()));
        assertThat(up.get("status").asText()).as("degraded, not down").isEqualTo("degraded");
        Await.until("levqor_logs_writable 0", WAIT, () -> server.get("/metrics").body()
                .contains("\nlevqor_logs_writable 0.0\n"));
        assertThat(server.get("/metrics").body()).contains("levqor_service_up{service=\"logs\"} 0.0");
    }

    private static void assertWritable(TestServer server) {
        JsonNode up = Await.value("/ops/uptime to say the logs are ok", WAIT, () -> uptime(server),
                u -> "ok".equals(u.get("services").get("logs").asText()));
        assertThat(up.get("status").asText()).isEqualTo("operational");
        Await.until("levqor_logs_writable 1", WAIT, () -> server.get("/metrics").body()
                .contains("\nlevqor_logs_writable 1.0\n"));
    }

    private static JsonNode uptime(TestServer server) {
        Response r = server.get("/ops/uptime");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void delete(Path path) throws IOException {
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
