package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.backups.PgTarget;
import com.levqor.config.DatabaseSettings.External;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A DATABASE_URL naming several Postgres hosts (a primary and its standbys), in pgjdbc's and in
 * libpq's spelling: the pool gets every host and the wish for the primary, and so do the backup tools.
 */
class MultiHostDatabaseUrlTest {

    private static External parsed(String url) throws InvalidSettingsException {
        return (External) Settings.parse(Map.of("DATABASE_URL", url)).database().target();
    }

    @Test
    void jdbcUrlWithSeveralHostsIsUsedAsItIs() throws Exception {
        String url = "jdbc:postgresql://pg-a:5432,pg-b:5433/levqor?targetServerType=primary&sslmode=require";
        assertThat(parsed(url).jdbcUrl()).isEqualTo(url);
    }

    @Test
    void postgresUrlWithSeveralHostsBecomesAJdbcUrlWithEveryHost() throws Exception {
        External x = parsed("postgres://app:p%40ss@pg-a:5432,pg-b:5433/levqor?target_session_attrs=read-write"
                + "&sslmode=require");
        assertThat(x.jdbcUrl()).isEqualTo(
                "jdbc:postgresql://pg-a:5432,pg-b:5433/levqor?targetServerType=primary&sslmode=require");
        assertThat(x.user()).contains("app");
        assertThat(x.password()).contains("p@ss");
        assertThat(x.describe()).doesNotContain("p@ss");
    }

    @Test
    void eachHostWithoutAPortGetsThePostgresDefault() throws Exception {
        assertThat(parsed("postgresql://u@pg-a,10.0.0.7:6432,[fd00::2]/levqor").jdbcUrl())
                .isEqualTo("jdbc:postgresql://pg-a:5432,10.0.0.7:6432,[fd00::2]:5432/levqor");
    }

    @Test
    void libpqSessionAttributesBecomeTheTargetServerTypeOfTheSameMeaning() throws Exception {
        assertThat(parsed("postgres://pg-a,pg-b/db?target_session_attrs=primary").jdbcUrl())
                .endsWith("?targetServerType=primary");
        assertThat(parsed("postgres://pg-a,pg-b/db?target_session_attrs=standby").jdbcUrl())
                .endsWith("?targetServerType=secondary");
        assertThat(parsed("postgres://pg-a,pg-b/db?target_session_attrs=prefer-standby").jdbcUrl())
                .endsWith("?targetServerType=preferSecondary");
        assertThat(parsed("postgres://pg-a,pg-b/db?target_session_attrs=any&connectTimeout=5").jdbcUrl())
                .endsWith("?targetServerType=any&connectTimeout=5");
    }

    @Test
    void aBadHostListOrSessionAttributeIsReportedWithoutTheUrl() throws Exception {
        assertThatThrownBy(() -> parsed("postgres://u:hunter2@pg-a,,pg-b/db"))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("DATABASE_URL")
                .hasMessageContaining("host1:port1,host2:port2").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> parsed("postgres://pg-a:5432,pg-b:99999/db"))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("DATABASE_URL");
        assertThatThrownBy(() -> parsed("postgres://u:hunter2@pg-a,pg-b/db?target_session_attrs=leader"))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("target_session_attrs of one of any, prefer-standby, primary, read-only, "
                        + "read-write, standby (it was 'leader')")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void backupToolsGetEveryHostOfTheUrl() throws Exception {
        External x = parsed("postgres://app:secret@pg-a:5432,pg-b:5433/levqor?target_session_attrs=read-write");
        PgTarget target = PgTarget.fromJdbc(x.jdbcUrl(), x.user(), x.password());
        assertThat(target.libpqEnvironment("levqor-backup"))
                .containsEntry("PGHOST", "pg-a,pg-b").containsEntry("PGPORT", "5432,5433")
                .containsEntry("PGDATABASE", "levqor").containsEntry("PGTARGETSESSIONATTRS", "primary");
        External standby = parsed("postgres://app:secret@pg-a,pg-b/levqor?target_session_attrs=prefer-standby");
        assertThat(PgTarget.fromJdbc(standby.jdbcUrl(), standby.user(), standby.password())
                .libpqEnvironment("levqor-backup")).containsEntry("PGTARGETSESSIONATTRS", "prefer-standby");
        External plain = parsed("postgres://app:secret@pg-a,pg-b/levqor");
        assertThat(PgTarget.fromJdbc(plain.jdbcUrl(), plain.user(), plain.password())
                .libpqEnvironment("levqor-backup")).doesNotContainKey("PGTARGETSESSIONATTRS");
    }
}
