package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackupSettingsTest {

    @Test
    void defaultsAreTheIssuesAndTheRunbooks() throws Exception {
        BackupSettings b = Settings.parse(Map.of("PATH", "/usr/local/bin:/usr/bin")).backups();
        assertThat(b.enabled()).isTrue();
        assertThat(b.dir()).isEqualTo(Path.of("db/backups/pg"));
        assertThat(b.retentionDays()).isEqualTo(14);
        assertThat(b.backupCron().asString()).isEqualTo("0 3 * * *");
        assertThat(b.drillCron().asString()).isEqualTo("0 4 * * 0");
        assertThat(b.pgBinDir()).isEmpty();
        assertThat(b.searchPath()).containsExactly(Path.of("/usr/local/bin"), Path.of("/usr/bin"));
        assertThat(b.restoreVerifyDatabase()).isEmpty();
        assertThat(b.checkIntervalMillis()).isEqualTo(30_000);
    }

    @Test
    void badCronRetentionAndVerifyUrlAreReportedTogetherAndTheUrlIsMasked() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class, () -> Settings.parse(Map.of(
                "BACKUP_CRON", "61 * * * *",
                "RESTORE_DRILL_CRON", "0 0 4 * * 0",
                "BACKUP_RETENTION_DAYS", "0",
                "BACKUPS_ENABLED", "sometimes",
                "RESTORE_VERIFY_DATABASE_URL", "mysql://root:hunter2@db/x")));
        assertThat(e.problems()).hasSize(5);
        assertThat(e.getMessage())
                .contains("BACKUP_CRON='61 * * * *': expected a five-field cron expression in UTC")
                .contains("RESTORE_DRILL_CRON='0 0 4 * * 0'")
                .contains("BACKUP_RETENTION_DAYS='0': expected a whole number from 1 to 36500")
                .contains("BACKUPS_ENABLED='sometimes': expected true or false")
                .contains("RESTORE_VERIFY_DATABASE_URL='****'")
                .doesNotContain("hunter2");
    }

    @Test
    void theVerifyDatabaseIsASecretInFlags() throws Exception {
        Settings s = Settings.parse(Map.of("RESTORE_VERIFY_DATABASE_URL", "postgres://verify:s3cret@db:5432/scratch",
                "PG_BIN_DIR", "/usr/lib/postgresql/15/bin"));
        assertThat(s.backups().restoreVerifyDatabase()).get().extracting(DatabaseSettings.External::jdbcUrl)
                .isEqualTo("jdbc:postgresql://db:5432/scratch");
        assertThat(s.backups().pgBinDir()).contains(Path.of("/usr/lib/postgresql/15/bin"));
        assertThat(s.entries()).filteredOn(en -> en.name().equals("RESTORE_VERIFY_DATABASE_URL"))
                .singleElement().satisfies(en -> assertThat(en.shown()).doesNotContain("s3cret"));
        assertThat(s.entries()).extracting(Env.Entry::name).doesNotContain("PATH");
    }
}
