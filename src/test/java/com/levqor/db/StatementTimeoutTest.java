package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.config.Settings;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.nio.file.Path;
import java.util.Map;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/** Every pooled connection has a statement timeout; a role's transaction has its own. */
class StatementTimeoutTest {

    @Test
    void poolTimeoutCancelsALongStatementAndARoleGetsItsOwn() throws Exception {
        Map<String, String> env = TestServer.baseEnv(TestPostgres.newDatabase(), Path.of("target", "tmp", "logs-st"));
        env.put("DB_STATEMENT_TIMEOUT_MS", "300");
        env.put("DB_SWEEPER_STATEMENT_TIMEOUT_MS", "400");
        env.put("DB_ADMIN_STATEMENT_TIMEOUT_MS", "5000");
        Settings settings = Settings.parse(env);
        try (Database db = Database.open(settings.database(), null)) {
            db.migrate(); // migrations run without the pool's timeout
            assertThatThrownBy(() -> db.dsl().select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch())
                    .isInstanceOf(DataAccessException.class)
                    .satisfies(e -> assertThat(((DataAccessException) e).sqlState()).isEqualTo("57014"));
            assertThatThrownBy(() -> db.inRole(Database.Role.SWEEPER,
                    tx -> tx.select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch()))
                    .isInstanceOf(DataAccessException.class);
            String shown = db.inRole(Database.Role.ADMIN, tx -> {
                tx.select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch();
                return String.valueOf(tx.fetchValue("show statement_timeout"));
            });
            assertThat(shown).isEqualTo("5s");
            // The role's timeout ended with its transaction: the pool's is back.
            assertThat(String.valueOf(db.dsl().fetchValue("show statement_timeout"))).isEqualTo("300ms");
        }
    }

    @Test
    void aRolesContextRunsWithItsTimeoutAndGivesConnectionsBackWithThePools() throws Exception {
        Map<String, String> env = TestServer.baseEnv(TestPostgres.newDatabase(), Path.of("target", "tmp", "logs-st"));
        env.put("DB_POOL_SIZE", "1"); // one connection: what a role's context gives back is what dsl() takes next
        env.put("DB_STATEMENT_TIMEOUT_MS", "300");
        env.put("DB_SWEEPER_STATEMENT_TIMEOUT_MS", "5000");
        env.put("DB_ADMIN_STATEMENT_TIMEOUT_MS", "7000");
        Settings settings = Settings.parse(env);
        try (Database db = Database.open(settings.database(), null)) {
            assertThat(db.dsl(Database.Role.API)).isSameAs(db.dsl());
            assertThat(db.dsl(Database.Role.SWEEPER)).isSameAs(db.dsl(Database.Role.SWEEPER));
            Object pid = db.dsl().fetchValue("select pg_backend_pid()");

            // A statement longer than the pool's timeout and shorter than the sweeper's passes there only.
            assertThatThrownBy(() -> db.dsl().select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch())
                    .isInstanceOf(DataAccessException.class)
                    .satisfies(e -> assertThat(((DataAccessException) e).sqlState()).isEqualTo("57014"));
            db.dsl(Database.Role.SWEEPER).select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch();
            assertThat(String.valueOf(db.dsl(Database.Role.SWEEPER).fetchValue("show statement_timeout")))
                    .isEqualTo("5s");
            assertThat(String.valueOf(db.dsl().fetchValue("show statement_timeout"))).isEqualTo("300ms");

            // A transaction keeps the role's timeout from its first statement to its commit.
            String inside = db.dsl(Database.Role.ADMIN).transactionResult(cfg -> {
                DSL.using(cfg).select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch();
                DSL.using(cfg).select(DSL.function("pg_sleep", Object.class, DSL.val(1))).fetch();
                return String.valueOf(DSL.using(cfg).fetchValue("show statement_timeout"));
            });
            assertThat(inside).isEqualTo("7s");
            assertThat(String.valueOf(db.dsl().fetchValue("show statement_timeout"))).isEqualTo("300ms");

            // Also after a transaction that failed and was rolled back.
            assertThatThrownBy(() -> db.dsl(Database.Role.SWEEPER).transaction(cfg -> {
                DSL.using(cfg).fetchValue("select 1 / 0");
            })).isInstanceOf(DataAccessException.class);
            assertThat(String.valueOf(db.dsl().fetchValue("show statement_timeout"))).isEqualTo("300ms");
            assertThat(db.dsl().fetchValue("select pg_backend_pid()")).as("the same connection all along")
                    .isEqualTo(pid);
        }
    }

    @Test
    void theSocketTimeoutMustExceedEveryStatementTimeout() {
        assertThatThrownBy(() -> Settings.parse(Map.of("DB_ADMIN_STATEMENT_TIMEOUT_MS", "120000",
                "DB_SOCKET_TIMEOUT_MS", "60000")))
                .hasMessageContaining("DB_SOCKET_TIMEOUT_MS").hasMessageContaining("120000");
    }
}
