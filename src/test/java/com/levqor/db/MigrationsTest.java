package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.config.Settings;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;

/** The quick "is every migration applied?" check that lets serve and the commands start without Flyway. */
class MigrationsTest {

    @Test
    void theJarsScriptsAreTheFilesOfTheMigrationsFolder() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("migrations"))) {
            assertThat(Migrations.scripts()).isEqualTo(files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".sql")).collect(Collectors.toCollection(java.util.TreeSet::new)))
                    .isNotEmpty();
        }
    }

    @Test
    void anEmptyDatabaseIsBehindAndGetsEveryMigrationThenNothingMore() throws Exception {
        String url = TestPostgres.emptyDatabase();
        DataSource ds = TestPostgres.dataSource(url);
        try (Connection c = ds.getConnection()) {
            assertThat(Migrations.isCurrent(c)).isFalse();
        }
        assertThat(migrateIfBehind(url)).isEqualTo(Migrations.scripts().size());
        try (Connection c = ds.getConnection()) {
            assertThat(Migrations.isCurrent(c)).isTrue();
        }
        assertThat(migrateIfBehind(url)).isZero();
    }

    @Test
    void aPendingFailedOrUnknownMigrationIsNotCurrentAndGoesToFlyway() throws Exception {
        String url = TestPostgres.newDatabase();
        DataSource ds = TestPostgres.dataSource(url);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            assertThat(Migrations.isCurrent(c)).isTrue();

            s.execute("insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, "
                    + "installed_by, execution_time, success) values (1000, '1000', 'from elsewhere', 'SQL', "
                    + "'V1000__from_elsewhere.sql', 1, 'test', 1, true)");
            // A migration this jar does not know (a newer jar's): not "current", so Flyway decides, and it
            // accepts a future migration as it always did.
            assertThat(Migrations.isCurrent(c)).isFalse();
            assertThat(migrateIfBehind(url)).isZero();
            s.execute("delete from flyway_schema_history where installed_rank = 1000");
            assertThat(Migrations.isCurrent(c)).isTrue();

            s.execute("update flyway_schema_history set success = false where installed_rank = "
                    + "(select max(installed_rank) from flyway_schema_history)");
            assertThat(Migrations.isCurrent(c)).isFalse();
            assertThatThrownBy(() -> migrateIfBehind(url)).isInstanceOf(FlywayException.class);
            s.execute("update flyway_schema_history set success = true");

            s.execute("delete from flyway_schema_history where installed_rank = "
                    + "(select max(installed_rank) from flyway_schema_history)");
            assertThat(Migrations.isCurrent(c)).isFalse(); // the newest migration looks pending
        }
    }

    /** What serve and the commands call: through a {@link Database} on the test's database. */
    private static int migrateIfBehind(String url) throws Exception {
        Settings settings = Settings.parse(TestServer.baseEnv(url, Path.of("target", "tmp", "logs-migrations")));
        try (Database db = Database.open(settings.database(), null)) {
            return db.migrateIfBehind();
        }
    }
}
