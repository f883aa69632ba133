package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When the connection breaks while intake's commit is under way, the client cannot know whether
 * its jobs were stored: the answer says they may have been, with the idempotency-key advice, and
 * never "nothing was queued". The usual batch is one statement that commits by itself; here it
 * waits for a usage row another session holds, and its backend is terminated meanwhile.
 */
class IntakeCommitOutcomeTest {
    static TestServer server;
    static DataSource direct;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"));
        direct = TestPostgres.dataSource(server.jdbcUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aCommitCutOffWithItsConnectionIsAnsweredMayHaveBeenStored() throws Exception {
        String[] key = account("cut-single@example.com");
        Response r = whileTheCommitIsCutOff(key, () -> server.post("/api/v1/intake",
                "{\"workflow\":\"echo\",\"payload\":{}}", bearer(key[1])));

        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("error").asText()).isEqualTo("intake_unavailable");
        assertThat(r.json().get("message").asText())
                .contains("it may have been stored").contains("Retry with an idempotency_key")
                .doesNotContain("nothing was queued");
    }

    @Test
    void aBatchWhoseCommitIsCutOffIsAnsweredMayHaveBeenStored() throws Exception {
        String[] key = account("cut-batch@example.com");
        Response r = whileTheCommitIsCutOff(key, () -> server.post("/api/v1/intake/batch",
                "{\"jobs\":[{\"workflow\":\"echo\",\"payload\":{}},{\"workflow\":\"echo\",\"payload\":{}}]}",
                bearer(key[1])));

        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("message").asText())
                .contains("they may have been stored").contains("idempotency_key on each job")
                .doesNotContain("nothing was queued");
    }

    @Test
    void aConnectionLostBeforeTheCommitStillSaysNothingWasQueued() throws Exception {
        // A job with an idempotency key is written in a transaction; its charge waits for the usage row. Ended
        // there, before its COMMIT was sent, the transaction cannot have committed.
        String[] key = account("cut-before@example.com");
        Response r = whileTheCommitIsCutOff(key, "insert into usage_daily%", () -> server.post("/api/v1/intake",
                "{\"workflow\":\"echo\",\"payload\":{}}", bearer(key[1], "Idempotency-Key", "before-1")));

        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("message").asText()).contains("nothing was queued");
    }

    /** A new account: its id and API key. */
    private static String[] account(String email) {
        var a = server.createAccount(email, "pro");
        return new String[] {a.get("account_id").asText(), a.get("api_key").asText()};
    }

    private static Response whileTheCommitIsCutOff(String[] key, Supplier<Response> request) throws Exception {
        return whileTheCommitIsCutOff(key, "with ins as (insert into jobs%", request);
    }

    /**
     * Holds the account's usage row (an uncommitted insert of it) so that intake's statement waits,
     * sends the request, terminates the backend running the statement that matches {@code query},
     * and returns the answer.
     */
    private static Response whileTheCommitIsCutOff(String[] key, String query, Supplier<Response> request)
            throws Exception {
        UUID account = UUID.fromString(key[0]);
        try (Connection lock = direct.getConnection(); Connection admin = direct.getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement s = lock.prepareStatement(
                    "insert into usage_daily (account_id, day, units) values (?, ?, 0)")) {
                s.setObject(1, account);
                s.setObject(2, LocalDate.now(ZoneOffset.UTC));
                s.executeUpdate();
            }
            CompletableFuture<Response> answer = CompletableFuture.supplyAsync(request);
            int pid = Await.value("intake's statement waiting for the usage row", Duration.ofSeconds(20),
                    () -> waiting(admin, query), p -> p > 0);
            try (PreparedStatement s = admin.prepareStatement("select pg_terminate_backend(?)")) {
                s.setInt(1, pid);
                s.execute();
            }
            Response r = answer.get(30, TimeUnit.SECONDS);
            lock.rollback();
            return r;
        }
    }

    /** The backend of this database waiting for a lock while running a statement like {@code query}, or 0. */
    private static int waiting(Connection admin, String query) {
        try (PreparedStatement s = admin.prepareStatement("select pid from pg_stat_activity where datname = "
                + "current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock' and query like ?")) {
            s.setString(1, query);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
