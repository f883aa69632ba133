package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.levqor.config.DatabaseSettings.Embedded;
import com.levqor.config.DatabaseSettings.External;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void emptyEnvironmentGivesDocumentedDefaultsAndEmbeddedPostgres() throws Exception {
        Settings s = Settings.parse(Map.of());
        assertThat(s.http().port()).isEqualTo(5000);
        assertThat(s.http().maxBodyBytes()).isEqualTo(512 * 1024);
        assertThat(s.database().poolSize()).isEqualTo(DatabaseSettings.DEFAULT_POOL_SIZE);
        assertThat(s.database().target()).isInstanceOf(Embedded.class);
        assertThat(((Embedded) s.database().target()).dataDir()).isEqualTo(Path.of("./data"));
        assertThat(s.flags().byName()).containsOnlyKeys("NEW_QUEUE_ENABLED", "SECURITY_HEADERS_ENABLED",
                "RATELIMIT_ENABLED", "WEBHOOK_VERIFY_ALL", "ABUSE_GUARDS_ENABLED").allSatisfy((k, v) -> assertThat(v).isTrue());
        assertThat(s.ops().adminKey()).isEmpty();
        assertThat(s.ops().logDir()).isEqualTo(Path.of("logs"));
        assertThat(s.http().maxThreads()).isEqualTo(32);
        assertThat(s.http().intakeMaxBytesInFlight()).isEqualTo(
                HttpSettings.defaultIntakeMaxBytesInFlight(Runtime.getRuntime().maxMemory(), 512 * 1024));
    }

    @Test
    void intakeBytesInFlightDefaultToAnEighthOfTheHeapWithinBounds() throws Exception {
        long mib = 1024 * 1024;
        assertThat(HttpSettings.defaultIntakeMaxBytesInFlight(128 * mib, 512 * 1024)).isEqualTo(16 * mib);
        assertThat(HttpSettings.defaultIntakeMaxBytesInFlight(4096 * mib, 512 * 1024)).isEqualTo(64 * mib);
        assertThat(HttpSettings.defaultIntakeMaxBytesInFlight(2 * mib, 512 * 1024)).as("never below one largest body")
                .isEqualTo(512 * 1024);
        // The default follows MAX_BODY_BYTES rather than failing the check an explicit value must pass.
        Settings big = Settings.parse(Map.of("MAX_BODY_BYTES", Long.toString(1024 * mib)));
        assertThat(big.http().intakeMaxBytesInFlight()).isEqualTo(1024 * mib);
        assertThat(Settings.parse(Map.of("INTAKE_MAX_BYTES_IN_FLIGHT", "1048576")).http().intakeMaxBytesInFlight())
                .isEqualTo(1048576);
    }

    @Test
    void everyInvalidValueIsReportedTogetherWithNameValueAndExpectation() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class, () -> Settings.parse(Map.of(
                "PORT", "http",
                "DB_POOL_SIZE", "0",
                "HTTP_MAX_THREADS", "lots",
                "RATELIMIT_ENABLED", "maybe",
                "ADMIN_KEY", "short",
                "SENTRY_DSN", "not a url")));
        assertThat(e.problems()).hasSize(6);
        assertThat(e.getMessage())
                .contains("PORT='http': expected a whole number from 0 to 65535")
                .contains("DB_POOL_SIZE='0'")
                .contains("HTTP_MAX_THREADS='lots'")
                .contains("RATELIMIT_ENABLED='maybe': expected true or false")
                .contains("ADMIN_KEY")
                .contains("SENTRY_DSN")
                .doesNotContain("short")
                .doesNotContain("not a url");
    }

    @Test
    void postgresUrlBecomesJdbcWithDecodedCredentials() throws Exception {
        Settings s = Settings.parse(Map.of("DATABASE_URL", "postgres://app:p%40ss@db.internal:6543/levqor?sslmode=require"));
        External x = (External) s.database().target();
        assertThat(x.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/levqor?sslmode=require");
        assertThat(x.user()).contains("app");
        assertThat(x.password()).contains("p@ss");
        assertThat(x.describe()).doesNotContain("p@ss");
    }

    @Test
    void jdbcUrlIsUsedAsIs() throws Exception {
        Settings s = Settings.parse(Map.of("DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/x?user=u&password=secret"));
        External x = (External) s.database().target();
        assertThat(x.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/x?user=u&password=secret");
        assertThat(x.describe()).contains("password=****").doesNotContain("secret");
    }

    @Test
    void libpqVariablesSelectAnExternalServer() throws Exception {
        Settings s = Settings.parse(Map.of("PGHOST", "pg.example", "PGPORT", "5544", "PGUSER", "ops",
                "PGPASSWORD", "pw", "PGDATABASE", "prod"));
        External x = (External) s.database().target();
        assertThat(x.jdbcUrl()).isEqualTo("jdbc:postgresql://pg.example:5544/prod");
        assertThat(x.user()).contains("ops");
        assertThat(x.password()).contains("pw");
    }

    @Test
    void badDatabaseUrlAndPortAreReported() {
        assertThatThrownBy(() -> Settings.parse(Map.of("DATABASE_URL", "mysql://x/y")))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("DATABASE_URL");
        assertThatThrownBy(() -> Settings.parse(Map.of("PGHOST", "h", "PGPORT", "99999")))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("PGPORT='99999'");
    }

    @Test
    void flagsAcceptTheUsualSpellingsOfFalse() throws Exception {
        Settings s = Settings.parse(Map.of("NEW_QUEUE_ENABLED", "false", "SECURITY_HEADERS_ENABLED", "0",
                "RATELIMIT_ENABLED", "OFF", "WEBHOOK_VERIFY_ALL", "no", "ABUSE_GUARDS_ENABLED", "False"));
        assertThat(s.flags().byName().values()).containsOnly(false);
    }

    @Test
    void secretsAreMaskedInTheEffectiveConfiguration() throws Exception {
        Settings s = Settings.parse(Map.of("ADMIN_KEY", "super-secret-admin-key-1234",
                "DATABASE_URL", "postgres://u:hunter2@h/db"));
        assertThat(s.entries()).filteredOn(e -> e.name().equals("ADMIN_KEY")).singleElement()
                .satisfies(e -> assertThat(e.shown()).isEqualTo("(set, hidden)"));
        assertThat(s.entries()).filteredOn(e -> e.name().equals("DATABASE_URL")).singleElement()
                .satisfies(e -> assertThat(e.shown()).doesNotContain("hunter2"));
    }

    @Test
    void redisUrlReadByQueueAndEdgeIsReportedOnceWhenInvalid() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class,
                () -> Settings.parse(Map.of("REDIS_URL", "http://not-redis:6379")));
        assertThat(e.problems()).filteredOn(p -> p.startsWith("REDIS_URL")).hasSize(1);
    }

    @Test
    void oneRedisUrlServesQueueAndRateLimits() throws Exception {
        Settings s = Settings.parse(Map.of("REDIS_URL", "redis://:pw@127.0.0.1:6380/2"));
        assertThat(s.redis().url().orElseThrow().getPort()).isEqualTo(6380);
        assertThat(s.redis().poolSize()).isEqualTo(RedisSettings.DEFAULT_POOL_SIZE);
        assertThat(s.redis().timeoutMillis()).isEqualTo(RedisSettings.DEFAULT_TIMEOUT_MS);
    }
}
