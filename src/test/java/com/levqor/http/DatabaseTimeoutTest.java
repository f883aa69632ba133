package com.levqor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * A statement cancelled by its statement timeout (SQLSTATE 57014), wherever it happens in a request,
 * answers 503 {@code database_timeout} with Retry-After, not a 500; the statement's error is reported.
 */
class DatabaseTimeoutTest {

    @Test
    void aStatementTimeoutAnswers503WithRetryAfterNot500() throws Exception {
        AtomicReference<TestServer> self = new AtomicReference<>();
        // A handler whose query times out, and whose own code wraps the failure in another exception.
        try (TestServer s = TestServer.start(Map.of("DB_STATEMENT_TIMEOUT_MS", "1000",
                        "DB_ADMIN_STATEMENT_TIMEOUT_MS", "1000", "WORKER_CONCURRENCY", "0"),
                List.of(r -> r.get("/test/slow-wrapped", ctx -> {
                    try {
                        self.get().app().database().dsl().select(DSL.function("pg_sleep", Object.class, DSL.val(3)))
                                .fetch();
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("loading the report failed", e);
                    }
                }, Access.PUBLIC)));
             Connection other = DriverManager.getConnection(s.jdbcUrl())) {
            self.set(s);
            assertThat(s.get("/ops/backups", TestServer.admin()).status()).isEqualTo(200);

            // Another session holds the table the admin listing reads: the listing waits past its timeout.
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("LOCK TABLE backups IN ACCESS EXCLUSIVE MODE");
                Response r = s.get("/ops/backups", TestServer.admin());
                assertThat(r.status()).as(r.toString()).isEqualTo(503);
                JsonNode body = r.json();
                assertThat(body.get("error").asText()).isEqualTo("database_timeout");
                assertThat(body.get("message").asText()).contains("statement timeout").doesNotContain("ERROR:");
                assertThat(body.get("request_id").asText()).isEqualTo(r.header("X-Request-Id"));
                assertThat(Integer.parseInt(r.header("Retry-After"))).isPositive();
                String rid = body.get("request_id").asText();
                String line = Await.value("the timeout in errors.jsonl", Duration.ofSeconds(10),
                        () -> s.logText("errors.jsonl").lines().filter(l -> l.contains(rid)).findFirst().orElse(null),
                        l -> l != null);
                assertThat(line).contains("GET /ops/backups answered 503").contains("statement timeout")
                        .contains("\"type\":\"http_5xx\"");
                Await.sleep(300);
                assertThat(s.logText("errors.jsonl").lines().filter(l -> l.contains(rid)).count())
                        .as("reported once").isEqualTo(1);
            } finally {
                other.rollback();
            }
            assertThat(s.get("/ops/backups", TestServer.admin()).status()).isEqualTo(200);

            Response wrapped = s.get("/test/slow-wrapped");
            assertThat(wrapped.status()).as(wrapped.toString()).isEqualTo(503);
            assertThat(wrapped.json().get("error").asText()).isEqualTo("database_timeout");
            assertThat(wrapped.header("Retry-After")).isNotBlank();
            assertThat(s.get("/metrics").body()).doesNotContain("error_rate_total{type=\"unhandled_exception\"} 1.0");
        }
    }

    @Test
    void adminEndpointsRunWithTheAdminRolesLongerTimeout() throws Exception {
        AtomicReference<TestServer> self = new AtomicReference<>();
        // The request path's timeout is short, the admin role's long: a lock held for a while makes a
        // request-path query over the same table time out, while the admin listing waits it out.
        try (TestServer s = TestServer.start(Map.of("DB_STATEMENT_TIMEOUT_MS", "300",
                        "DB_ADMIN_STATEMENT_TIMEOUT_MS", "30000", "WORKER_CONCURRENCY", "0"),
                List.of(r -> r.get("/test/count-backups", ctx -> ctx.json(
                        self.get().app().database().dsl().fetchCount(DSL.table("backups"))), Access.PUBLIC)));
             Connection other = DriverManager.getConnection(s.jdbcUrl())) {
            self.set(s);
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("LOCK TABLE backups IN ACCESS EXCLUSIVE MODE");
                Response requestPath = s.get("/test/count-backups");
                assertThat(requestPath.status()).as(requestPath.toString()).isEqualTo(503);
                assertThat(requestPath.json().get("error").asText()).isEqualTo("database_timeout");
                Thread release = new Thread(() -> {
                    Await.sleep(1_500);
                    try {
                        other.rollback();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                release.start();
                Response admin = s.get("/ops/backups", TestServer.admin());
                release.join();
                assertThat(admin.status()).as("the admin listing waited for the lock: " + admin).isEqualTo(200);
            }
        }
    }
}
