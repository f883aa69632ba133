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
    void theSocketTimeoutMustExceedEveryStatementTimeout() {
        assertThatThrownBy(() -> Settings.parse(Map.of("DB_ADMIN_STATEMENT_TIMEOUT_MS", "120000",
                "DB_SOCKET_TIMEOUT_MS", "60000")))
                .hasMessageContaining("DB_SOCKET_TIMEOUT_MS").hasMessageContaining("120000");
    }
}
