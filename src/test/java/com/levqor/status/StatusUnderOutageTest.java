package com.levqor.status;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The status page while its dependencies fail: it keeps answering from memory, with the components
 * the health checks name in outage, and the incidents it read before.
 */
class StatusUnderOutageTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    static String component(JsonNode status, String name) {
        for (JsonNode c : status.get("components")) {
            if (c.get("name").asText().equals(name)) {
                return c.get("status").asText();
            }
        }
        throw new AssertionError("no component " + name);
    }

    /** Stops the server's database from the server's point of view: every session killed, new ones refused. */
    static void refuseConnections(String jdbcUrl, boolean refuse) throws Exception {
        String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).split("\\?")[0];
        try (Connection c = TestPostgres.dataSource(TestPostgres.newDatabase()).getConnection();
             Statement s = c.createStatement()) {
            s.execute("alter database " + name + " with allow_connections " + !refuse);
            if (refuse) {
                s.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + name + "'");
            }
        }
    }

    @Test
    void aStoppedDatabaseIsAMajorOutageOfTheApiAndTheDatabase() throws Exception {
        try (TestServer server = TestServer.start(Map.of("DB_CONNECT_TIMEOUT_MS", "1000"))) {
            Response opened = server.post("/ops/incidents", "{\"template\":\"major\",\"components\":[\"email\"]}", admin());
            assertThat(opened.status()).isEqualTo(201);
            String id = opened.json().get("id").asText();
            Await.until("the incident on the page", WAIT, () -> server.get("/status.json").body().contains(id));

            refuseConnections(server.jdbcUrl(), true);
            try {
                JsonNode down = Await.value("the database down on the page", WAIT, () -> server.get("/status.json").json(),
                        s -> component(s, "database").equals("major_outage"));
                assertThat(component(down, "api")).isEqualTo("major_outage");
                assertThat(component(down, "queue")).isEqualTo("operational");
                assertThat(component(down, "email")).isEqualTo("partial_outage");
                assertThat(down.get("status").get("indicator").asText()).isEqualTo("major");
                assertThat(down.get("incidents").get(0).get("id").asText()).isEqualTo(id);
                Response page = server.get("/status");
                assertThat(page.status()).isEqualTo(200);
                assertThat(page.body()).contains("Partial System Outage").contains("Payment Processing Delays");
                assertThat(server.get("/status/incidents/" + id).status()).isEqualTo(200);
                assertThat(server.get("/ops/uptime").status()).isEqualTo(503);
            } finally {
                refuseConnections(server.jdbcUrl(), false);
            }
            JsonNode back = Await.value("the database back", WAIT, () -> server.get("/status.json").json(),
                    s -> component(s, "database").equals("operational"));
            assertThat(component(back, "api")).isEqualTo("operational");
            assertThat(back.get("status").get("indicator").asText()).isEqualTo("major"); // the incident is still open
        }
    }

    @Test
    void theSyncFallbackIsDegradedPerformanceOfTheQueue() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url(), "REDIS_CHECK_INTERVAL_MS", "100"))) {
            Await.until("queue operational", WAIT,
                    () -> component(server.get("/status.json").json(), "queue").equals("operational"));
            redis.kill();
            JsonNode degraded = Await.value("the queue degraded", WAIT, () -> server.get("/status.json").json(),
                    s -> component(s, "queue").equals("degraded_performance"));
            assertThat(degraded.get("status").get("indicator").asText()).isEqualTo("minor");
            assertThat(degraded.get("status").get("description").asText()).isEqualTo("Minor Service Outage");
            assertThat(component(degraded, "api")).isEqualTo("operational");
            assertThat(server.get("/status").body()).contains("Degraded performance");
            assertThat(server.get("/status/badge.svg").body()).contains(">degraded<");
        }
    }
}
