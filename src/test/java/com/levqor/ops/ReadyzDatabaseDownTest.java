package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import com.levqor.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A server on its own embedded Postgres, which the test stops under it: readiness fails and names
 * the database, within the client's short timeout (a dead database never hangs the probe), while
 * liveness, which never touches Postgres, stays 200.
 */
class ReadyzDatabaseDownTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A probe's own patience; generous against a loaded machine, far below the pool's waits. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Test
    void readinessFailsOnTheDatabaseAndLivenessDoesNotCare() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target", "tmp"), "readyz-db-");
        Map<String, String> env = new HashMap<>();
        env.put("PORT", "0");
        env.put("HOST", "127.0.0.1");
        env.put("LEVQOR_DATA_DIR", data.resolve("data").toString());
        env.put("LOG_DIR", data.resolve("logs").toString());
        env.put("ADMIN_KEY", TestServer.ADMIN_KEY);
        env.put("DB_CONNECT_TIMEOUT_MS", "1000");
        env.put("BACKUPS_ENABLED", "false");
        try (Levqor app = Levqor.start(Settings.parse(env), Clock.systemUTC())) {
            assertThat(get(app, "/readyz").statusCode()).isEqualTo(200);

            app.database().embedded().close(); // Postgres stops under the running server

            HttpResponse<String> down = get(app, "/readyz");
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            JsonNode j = JSON.readTree(down.body());
            assertThat(j.get("status").asText()).isEqualTo("not_ready");
            assertThat(j.get("failed")).extracting(JsonNode::asText).containsExactly("database");
            JsonNode checks = j.get("checks");
            assertThat(checks.get("database").get("status").asText()).isEqualTo("fail");
            assertThat(checks.get("database").get("message").asText()).startsWith("The database did not answer: ")
                    .doesNotContain("select");
            assertThat(checks.get("migrations").get("status").asText()).isEqualTo("unknown");
            assertThat(checks.get("draining").get("status").asText()).isEqualTo("pass");

            HttpResponse<String> live = get(app, "/livez");
            assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
            assertThat(JSON.readTree(live.body()).get("status").asText()).isEqualTo("alive");
        }
    }

    private HttpResponse<String> get(Levqor app, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }
}
