package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.testing.Await;
import com.levqor.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A transaction whose COMMIT fails with its connection has an unknown outcome, and says so
 * ({@link CommitOutcomeUnknown}); one that fails before its COMMIT, or that the database refuses,
 * was rolled back and is an ordinary failure.
 */
class JdbcTest {
    static DataSource direct;
    static DSLContext dsl;

    @BeforeAll
    static void database() {
        direct = TestPostgres.dataSource(TestPostgres.newDatabase());
        dsl = DSL.using(direct, SQLDialect.POSTGRES);
    }

    @Test
    void aCommitWhoseConnectionBrokeHasAnUnknownOutcome() throws Exception {
        try (Connection admin = direct.getConnection()) {
            assertThatThrownBy(() -> Jdbc.transaction(dsl, c -> {
                int pid = backendPid(c);
                try (Statement s = c.createStatement()) {
                    s.execute("select 1");
                }
                terminate(admin, pid); // the work is done; the COMMIT goes to a session that has ended
                return null;
            })).isInstanceOf(CommitOutcomeUnknown.class).hasMessageContaining("outcome is unknown");
        }
    }

    @Test
    void aConnectionLostBeforeTheCommitIsAnOrdinaryFailure() {
        assertThatThrownBy(() -> Jdbc.transaction(dsl, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("select pg_terminate_backend(pg_backend_pid())");
            }
            return null;
        })).isInstanceOf(DataAccessException.class).isNotInstanceOf(CommitOutcomeUnknown.class);
    }

    @Test
    void whatTheDatabaseRefusesIsAnOrdinaryFailure() {
        assertThatThrownBy(() -> Jdbc.transaction(dsl, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("select 1 / 0");
            }
            return null;
        })).isInstanceOf(DataAccessException.class).isNotInstanceOf(CommitOutcomeUnknown.class);
        int pid = Jdbc.transaction(dsl, c -> backendPid(c)); // and the next one works
        assertThat(pid).isPositive();
    }

    @Test
    void onlyAConnectionFailureLeavesACommitUnknown() {
        assertThat(CommitOutcomeUnknown.leavesOutcomeUnknown(new SQLException("I/O", "08006"))).isTrue();
        assertThat(CommitOutcomeUnknown.leavesOutcomeUnknown(new SQLException("terminated", "57P01"))).isTrue();
        assertThat(CommitOutcomeUnknown.leavesOutcomeUnknown(new SQLException("no state"))).isTrue();
        assertThat(CommitOutcomeUnknown.leavesOutcomeUnknown(new SQLException("serialization", "40001"))).isFalse();
        assertThat(CommitOutcomeUnknown.leavesOutcomeUnknown(new SQLException("unique", "23505"))).isFalse();
        assertThat(CommitOutcomeUnknown.leavesOutcomeUnknown(new SQLException("canceled", "57014"))).isFalse();
        assertThat(CommitOutcomeUnknown.ofCommit(new SQLException("over", "LQ402")))
                .isNotInstanceOf(CommitOutcomeUnknown.class).satisfies(e -> assertThat(e.sqlState()).isEqualTo("LQ402"));
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void terminate(Connection admin, int pid) throws SQLException {
        try (PreparedStatement s = admin.prepareStatement("select pg_terminate_backend(?)")) {
            s.setInt(1, pid);
            s.execute();
        }
        Await.until("backend " + pid + " ended", Duration.ofSeconds(10), () -> {
            try (PreparedStatement s = admin.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
                s.setInt(1, pid);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == 0;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
