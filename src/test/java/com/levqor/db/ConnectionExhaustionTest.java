package com.levqor.db;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.accounts.Plan;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Postgres has no connection left for Levqor: another client holds every connection the server
 * allows Levqor's database role (a {@code CONNECTION LIMIT} on a role of its own, so the shared test
 * server is not starved), and Levqor's own connections are gone. Each request answers within its
 * client's generous timeout with a 503 {@code database_unavailable}, a clear message and
 * {@code Retry-After}, never a 500 and never a hang; once the other client lets go, the same process
 * answers again without a restart.
 */
class ConnectionExhaustionTest {
    private static final AtomicInteger ROLES = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ECHO = "{\"workflow\":\"echo\",\"payload\":{}}";
    private static final int HELD = 6;

    @Test
    void withEveryConnectionHeldElsewhereRequestsAnswer503DatabaseUnavailableAndRecoverWhenReleased()
            throws Exception {
        String adminUrl = TestPostgres.newDatabase();
        String database = adminUrl.substring(adminUrl.lastIndexOf('/') + 1).split("\\?")[0];
        String role = "levqor_exhaust_" + ProcessHandle.current().pid() + "_" + ROLES.incrementAndGet();
        try (Connection admin = DriverManager.getConnection(adminUrl); Statement s = admin.createStatement()) {
            s.execute("create role " + role + " login password 'exhaust'");
            s.execute("grant all on schema public to " + role);
            s.execute("grant all on all tables in schema public to " + role);
            s.execute("grant all on all sequences in schema public to " + role);
            s.execute("grant execute on all functions in schema public to " + role);
        }
        String url = "postgres://" + role + ":exhaust@localhost:" + TestPostgres.port() + "/" + database;
        String roleUrl = "jdbc:postgresql://localhost:" + TestPostgres.port() + "/" + database;
        List<Connection> held = new ArrayList<>();
        try (TestServer server = TestServer.start(Map.of("DATABASE_URL", url, "DB_POOL_SIZE", "4",
                "DB_CONNECT_TIMEOUT_MS", "2000"));
             Connection admin = DriverManager.getConnection(adminUrl);
             Statement sql = admin.createStatement()) {
            String key = server.app().accounts().create("exhaust@example.com", Plan.FREE).apiKey();
            Response before = server.post("/api/v1/intake", ECHO, bearer(key));
            assertThat(before.status()).as(before.toString()).isEqualTo(202);

            // Another client takes HELD connections; then the role may have no more than those, and Levqor's
            // pool must replace its connections (as it does after HikariCP's max lifetime or a database
            // restart): it retires them now, cleanly, so no request meets a broken one.
            for (int i = 0; i < HELD; i++) {
                held.add(DriverManager.getConnection(roleUrl, role, "exhaust"));
            }
            sql.execute("alter role " + role + " connection limit " + HELD);
            assertThatNoConnectionIsLeft(roleUrl, role);
            ((HikariDataSource) server.app().database().dataSource()).getHikariPoolMXBean().softEvictConnections();
            Await.until("the pool's connections closed", WAIT,
                    () -> ((HikariDataSource) server.app().database().dataSource()).getHikariPoolMXBean()
                            .getIdleConnections() == 0);

            unavailable(server.post("/api/v1/intake", ECHO, bearer(key)));
            unavailable(server.get("/api/v1/jobs", bearer(key)));
            unavailable(server.get("/ops/accounts", TestServer.admin()));
            // More requests at once than the pool has connections: each still gets its answer.
            List<CompletableFuture<Response>> burst = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                burst.add(CompletableFuture.supplyAsync(() -> server.get("/api/v1/jobs", bearer(key))));
            }
            for (CompletableFuture<Response> r : burst) {
                unavailable(r.get());
            }
            Response uptime = server.get("/ops/uptime");
            assertThat(uptime.status()).as(uptime.toString()).isEqualTo(503);
            assertThat(uptime.json().get("services").get("database").asText()).isEqualTo("down");
            assertThat(server.get("/metrics").body()).doesNotContain("error_rate_total{type=\"unhandled_exception\"} 1.0");

            // The other client lets go: the same process answers again.
            for (Connection c : held) {
                c.close();
            }
            held.clear();
            Response after = Await.value("intake to answer 202 again", WAIT,
                    () -> server.post("/api/v1/intake", ECHO, bearer(key)), r -> r.status() == 202);
            Await.status(server, key, after.json().get("job_id").asText(), "succeeded", WAIT);
            assertThat(server.get("/api/v1/jobs", bearer(key)).status()).isEqualTo(200);
            assertThat(server.get("/ops/accounts", TestServer.admin()).status()).isEqualTo(200);
            Await.until("/ops/uptime operational again", WAIT, () -> server.get("/ops/uptime").status() == 200);
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    /** A 503 database_unavailable with a message and Retry-After (the client's 30 s timeout catches a hang). */
    private static void unavailable(Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("error").asText()).as(r.toString()).isEqualTo("database_unavailable");
        assertThat(r.json().get("message").asText()).contains("database");
        assertThat(r.json().get("request_id").asText()).isEqualTo(r.header("X-Request-Id"));
        assertThat(Integer.parseInt(r.header("Retry-After"))).isPositive();
    }

    private static void assertThatNoConnectionIsLeft(String url, String role) {
        try (Connection extra = DriverManager.getConnection(url, role, "exhaust")) {
            throw new AssertionError("the role still had a connection to give: " + extra);
        } catch (SQLException expected) {
            assertThat(expected.getSQLState()).isEqualTo("53300"); // too many connections for role
        }
    }
}
