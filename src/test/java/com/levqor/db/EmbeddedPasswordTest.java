package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.config.DatabaseSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The embedded Postgres trusts nobody: a generated password, scram-sha-256, loopback only. */
class EmbeddedPasswordTest {

    /** A connection as {@code postgres} to the embedded server on {@code port} (no password when null). */
    static Connection connect(int port, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    private static void assertLocked(EmbeddedPostgresServer pg, Path dir) throws Exception {
        Path file = dir.resolve(EmbeddedPostgresServer.PASSWORD_FILE);
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file).trim()).isEqualTo(pg.password()).hasSize(32);
        assertThatThrownBy(() -> connect(pg.port(), null).close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> connect(pg.port(), "wrong-password").close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
        try (Connection c = connect(pg.port(), pg.password());
             ResultSet rs = c.createStatement().executeQuery("show listen_addresses")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("127.0.0.1");
        }
        assertThat(Files.readString(dir.resolve("pg_hba.conf"))).doesNotContainPattern("(?m)\\btrust\\s*$");
    }

    @Test
    void aNewDataFolderRequiresItsGeneratedPasswordAndAnAttachedCommandReadsIt() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "embedded-pw-").resolve("data");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertLocked(pg, dir);
            try (EmbeddedPostgresServer attached = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
                assertThat(attached.owned()).isFalse();
                assertThat(attached.password()).isEqualTo(pg.password());
            }
        }
        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertLocked(again, dir); // a restart keeps the same password
        }
    }

    @Test
    void aFolderThatTrustedLocalUsersGetsAPasswordAtItsFirstStart() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "embedded-legacy-").resolve("data");
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .start()) {
            connect(old.getPort(), null).close(); // what older Levqor versions left behind: trust
        }
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertLocked(pg, dir);
        }
    }

    @Test
    void theStoredLoginSecretTakesFewRoundsOnceOpenedAndStillChecksThePassword() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "embedded-rounds-").resolve("data");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(rounds(pg)).as("initdb's secret").isEqualTo(4096);
            try (Connection c = connect(pg.port(), pg.password())) {
                assertThat(pg.useQuickLogin(c)).isTrue();
                assertThat(pg.useQuickLogin(c)).as("once per folder").isFalse();
            }
            assertThat(rounds(pg)).isEqualTo(EmbeddedPostgresServer.SCRAM_ROUNDS);
            connect(pg.port(), pg.password()).close(); // the secret checks the password
            assertThatThrownBy(() -> connect(pg.port(), "wrong-password").close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
            try (Connection c = connect(pg.port(), pg.password()); Statement s = c.createStatement()) {
                s.execute("alter user postgres password '" + pg.password() + "'"); // as an older Levqor left it
            }
            assertThat(rounds(pg)).isEqualTo(4096);
        }
        // Opening the database (what serve and every command do) stores the quicker secret.
        try (Database db = Database.open(new DatabaseSettings(new DatabaseSettings.Embedded(dir, 0), 2, 5_000, 15_000,
                30_000, 60_000, 90_000), null)) {
            assertThat(db.embedded()).isNotNull();
        }
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(rounds(pg)).isEqualTo(EmbeddedPostgresServer.SCRAM_ROUNDS);
            connect(pg.port(), pg.password()).close();
        }
    }

    private static int rounds(EmbeddedPostgresServer pg) throws SQLException {
        try (Connection c = connect(pg.port(), pg.password()); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select rolpassword from pg_authid where rolname = 'postgres'")) {
            r.next();
            String secret = r.getString(1);
            assertThat(secret).startsWith("SCRAM-SHA-256$");
            return Integer.parseInt(secret.substring("SCRAM-SHA-256$".length(), secret.indexOf(':')));
        }
    }
}
