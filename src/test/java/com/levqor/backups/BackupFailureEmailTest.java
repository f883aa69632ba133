package com.levqor.backups;

import static com.levqor.db.jooq.Tables.EMAIL_OUTBOX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.api.Json;
import com.levqor.backups.BackupRuns.Run;
import com.levqor.backups.BackupRuns.Trigger;
import com.levqor.config.Settings;
import com.levqor.db.jooq.tables.records.EmailOutboxRecord;
import com.levqor.email.Outbox;
import com.levqor.email.Templates;
import com.levqor.testing.CliRun;
import com.levqor.testing.MutableClock;
import com.levqor.testing.TestPostgres;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * A failed backup is loud by email too: one {@code backup_failure} row in the email outbox to
 * ADMIN_EMAIL per failed run, with Resend unconfigured, next to the reported alerts.
 */
class BackupFailureEmailTest {
    static final String ADMIN = "oncall@example.com";

    /** A folder with a pg_dump and a psql of version 15 that fail every dump. */
    static Path failingPgBin() throws Exception {
        Path bin = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "failing-pg-bin-");
        for (String tool : List.of("pg_dump", "psql")) {
            Path p = bin.resolve(tool);
            Files.writeString(p, "#!/bin/sh\n"
                    + "if [ \"$1\" = \"--version\" ]; then echo \"" + tool + " (PostgreSQL) 15.15\"; exit 0; fi\n"
                    + "echo \"" + tool + ": error: the disk of the test is full\" >&2\n"
                    + "exit 1\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    static Map<String, String> env(String url, Path bin, String adminEmail) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", url);
        env.put("BACKUP_DIR", Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "failing-")
                .toString());
        env.put("PG_BIN_DIR", bin.toString());
        env.put("PATH", System.getenv("PATH"));
        env.put("LOG_DIR", Path.of("target", "tmp", "logs-backup-email").toString());
        if (adminEmail != null) {
            env.put("ADMIN_EMAIL", adminEmail);
        }
        return env;
    }

    static List<EmailOutboxRecord> outbox(DSLContext db) {
        return db.selectFrom(EMAIL_OUTBOX).orderBy(EMAIL_OUTBOX.SEQ).fetch();
    }

    @Test
    void aFailedScheduledBackupQueuesOneEmailToTheAdminNextToTheReport() throws Exception {
        String url = TestPostgres.newDatabase();
        Settings settings = Settings.parse(env(url, failingPgBin(), ADMIN));
        assertThat(settings.email().configured()).as("no Resend").isFalse();
        DSLContext db = DSL.using(TestPostgres.dataSource(url), SQLDialect.POSTGRES);
        MutableClock clock = new MutableClock(Instant.parse("2030-01-10T03:00:10Z"));
        BackupRuns runs = new BackupRuns(db);
        List<Run> reported = new CopyOnWriteArrayList<>();
        BackupAlerts alerts = BackupFailureEmails.around((run, cause) -> reported.add(run), settings.email(),
                settings.backups(), runs, new Outbox(db, clock, Json.newMapper()));
        BackupRunner runner = new BackupRunner(settings.backups(), PgTarget.fromJdbc(url, Optional.empty(),
                Optional.empty()), runs, alerts, new BackupStatus(runs, new BackupMetrics(new PrometheusRegistry()),
                clock, true), clock);

        new BackupSchedule(runner, settings.backups(), clock).runOnce();

        Run failed = runs.list(Optional.empty(), 10).get(0);
        assertThat(failed.outcome()).isEqualTo("failed");
        assertThat(reported).extracting(Run::id).as("the report still goes out").containsExactly(failed.id());
        List<EmailOutboxRecord> emails = outbox(db);
        assertThat(emails).hasSize(1);
        EmailOutboxRecord email = emails.get(0);
        assertThat(email.getTemplate()).isEqualTo(Templates.BACKUP_FAILURE);
        assertThat(email.getRecipient()).isEqualTo(ADMIN);
        assertThat(email.getStatus()).isEqualTo(Outbox.QUEUED);
        assertThat(email.getDedupeKey()).isEqualTo("backup_alert:" + failed.id());
        JsonNode model = new ObjectMapper().readTree(email.getModel().data());
        assertThat(model.get("error").asText()).contains("pg_dump exited with status 1")
                .contains("the disk of the test is full");
        assertThat(model.get("kind").asText()).isEqualTo("scheduled");
        assertThat(model.get("host").asText()).isEqualTo(failed.instance());

        // The model fills the template: what the admin reads.
        Templates.Rendered text = new Templates(new ObjectMapper(), "help@example.com")
                .render(email.getTemplate(), email.getModel().data());
        assertThat(text.subject()).isEqualTo("[Levqor] Backup failed on " + failed.instance());
        assertThat(text.text()).startsWith("The scheduled backup started at 2030-01-10T03:00:10Z on "
                        + failed.instance() + " failed (run " + failed.id() + ").")
                .contains("the disk of the test is full").contains("Run `levqor backup` by hand");

        // One email per run, however often it is alerted.
        alerts.failed(failed, null);
        assertThat(outbox(db)).hasSize(1);
        assertThat(reported).hasSize(2);
    }

    @Test
    void withoutAdminEmailOnlyTheReportGoesOut() throws Exception {
        String url = TestPostgres.newDatabase();
        Settings settings = Settings.parse(env(url, failingPgBin(), null));
        DSLContext db = DSL.using(TestPostgres.dataSource(url), SQLDialect.POSTGRES);
        BackupAlerts reported = (run, cause) -> { };
        assertThat(BackupFailureEmails.around(reported, settings.email(), settings.backups(), new BackupRuns(db),
                new Outbox(db, java.time.Clock.systemUTC(), Json.newMapper()))).isSameAs(reported);
    }

    @Test
    void levqorBackupThatFailsLeavesTheEmailInTheOutbox() throws Exception {
        String url = TestPostgres.newDatabase();
        CliRun run = CliRun.run(env(url, failingPgBin(), ADMIN), "backup");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).contains("the disk of the test is full");
        DSLContext db = DSL.using(TestPostgres.dataSource(url), SQLDialect.POSTGRES);
        Run failed = new BackupRuns(db).list(Optional.empty(), 10).get(0);
        assertThat(failed.triggeredBy()).isEqualTo(Trigger.CLI.wire());
        List<EmailOutboxRecord> emails = outbox(db);
        assertThat(emails).extracting(EmailOutboxRecord::getTemplate, EmailOutboxRecord::getRecipient,
                EmailOutboxRecord::getDedupeKey).containsExactly(org.assertj.core.groups.Tuple.tuple(
                        Templates.BACKUP_FAILURE, ADMIN, "backup_alert:" + failed.id()));
    }
}
