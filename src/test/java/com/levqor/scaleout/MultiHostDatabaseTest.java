package com.levqor.scaleout;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A DATABASE_URL listing several hosts, the first one down, against the real test Postgres (a
 * primary): the server connects to the host that answers and is primary, and a wish for a standby
 * reaches the driver (no listed host is one, so the server does not start).
 */
class MultiHostDatabaseTest {

    private static String hostsDownThenUp(String jdbcUrl, String query) {
        String database = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).split("\\?")[0];
        return "postgres://postgres@127.0.0.1:" + deadPort() + ",127.0.0.1:" + TestPostgres.port() + "/" + database
                + "?" + query;
    }

    @Test
    void aServerUsesTheListedHostThatAnswersAndIsPrimary() {
        String url = hostsDownThenUp(TestPostgres.newDatabase(), "target_session_attrs=read-write");
        try (TestServer server = TestServer.start(Map.of("DATABASE_URL", url))) {
            assertThat(server.get("/ops/uptime").json().path("services").path("database").asText())
                    .isEqualTo("operational");
            String key = server.createAccount("multihost@example.com", "pro").get("api_key").asText();
            Response r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{\"n\":1}}", bearer(key));
            assertThat(r.status()).isEqualTo(202);
            Await.status(server, key, r.json().get("job_id").asText(), "succeeded", Duration.ofSeconds(30));
        }
    }

    @Test
    void aWishForAStandbyReachesTheDriver() {
        String url = hostsDownThenUp(TestPostgres.newDatabase(), "target_session_attrs=standby");
        assertThatThrownBy(() -> TestServer.start(Map.of("DATABASE_URL", url, "DB_CONNECT_TIMEOUT_MS", "1000")).close())
                .hasMessageContaining("Could not connect to the database")
                .hasMessageContaining("targetServerType: secondary");
    }

    private static int deadPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
