package com.levqor.backups;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.backups.BackupRuns.Kind;
import com.levqor.backups.BackupRuns.Run;
import com.levqor.backups.BackupRuns.Trigger;
import com.levqor.config.Settings;
import com.levqor.testing.MutableClock;
import com.levqor.testing.TestPostgres;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * The schedule of {@code serve} against a real database with a clock the test moves: occurrences run
 * once, a missed backup is caught up at start only when needed, a held lock makes another instance
 * wait, a run left by a dead process is failed and reported, and staleness follows the a.clock.
 */
class BackupScheduleTest {

    /** One instance's parts on a shared database and folder, with the test's clock and alert list. */
    static final class Instance {
        final String url;
        final Path dir;
        final MutableClock clock;
        final List<Run> alerts;
        final BackupRunner runner;
        final BackupSchedule schedule;
        final BackupStatus status;
        final BackupRuns runs;

        /** A first instance on a fresh database and folder, the clock at {@code start}, daily backups, Sunday drills. */
        static Instance fresh(String start) throws Exception {
            return new Instance(TestPostgres.newDatabase(), folder(), new MutableClock(Instant.parse(start)),
                    new CopyOnWriteArrayList<>());
        }

        Instance(String url, Path dir, MutableClock clock, List<Run> alerts) {
            this.url = url;
            this.dir = dir;
            this.clock = clock;
            this.alerts = alerts;
            Map<String, String> env = new HashMap<>();
            env.put("DATABASE_URL", url);
            env.put("BACKUP_DIR", dir.toString());
            env.put("PATH", System.getenv("PATH"));
            Settings settings;
            try {
                settings = Settings.parse(env);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            runs = new BackupRuns(DSL.using(TestPostgres.dataSource(url), SQLDialect.POSTGRES));
            status = new BackupStatus(runs, new BackupMetrics(new PrometheusRegistry()), clock, true);
            runner = new BackupRunner(settings.backups(), PgTarget.fromJdbc(url, Optional.empty(), Optional.empty()), runs,
                    (run, cause) -> alerts.add(run), status, clock);
            schedule = new BackupSchedule(runner, settings.backups(), clock);
        }

        /** Another instance (process) on the same database, folder, clock and alerts. */
        Instance another() {
            return new Instance(url, dir, clock, alerts);
        }

        /** Another instance connecting as another database user. */
        Instance as(String user) {
            return new Instance(url.replace("user=postgres", "user=" + user), dir, clock, alerts);
        }

        /** {@code levqor backup}, as the command line runs it. */
        void backupNow() throws Exception {
            try (BackupLock lock = runner.lock(() -> { })) {
                runner.backup(Trigger.CLI, null);
            }
        }

        List<Run> rows() {
            return runs.list(Optional.empty(), 100);
        }
    }

    static Path folder() throws Exception {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "schedule-");
    }

    @Test
    void aMissedBackupIsCaughtUpAtStartOnceAndTheNextOccurrenceRunsOnTime() throws Exception {
        Instance a = Instance.fresh("2030-01-10T10:00:00Z"); // a Thursday

        a.schedule.runOnce();
        List<Run> rows = a.rows();
        assertThat(rows).hasSize(1); // the missed Sunday drill is not caught up
        assertThat(rows.get(0).kind()).isEqualTo("backup");
        assertThat(rows.get(0).triggeredBy()).isEqualTo("catch_up");
        assertThat(rows.get(0).scheduledFor()).isEqualTo(Instant.parse("2030-01-10T03:00:00Z"));
        assertThat(rows.get(0).outcome()).as(String.valueOf(rows.get(0).error())).isEqualTo("ok");
        assertThat(new BackupFolder(a.dir).backups()).hasSize(1);
        assertThat(a.status.stale()).isFalse();

        // The same process again, and a restarted one, in the same window: nothing runs twice.
        a.schedule.runOnce();
        a.clock.advance(Duration.ofMinutes(5));
        a.another().schedule.runOnce();
        assertThat(a.rows()).hasSize(1);

        // The next day's occurrence runs on time.
        a.clock.set(Instant.parse("2030-01-11T03:00:20Z"));
        a.schedule.runOnce();
        rows = a.rows();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).triggeredBy()).isEqualTo("schedule");
        assertThat(rows.get(0).scheduledFor()).isEqualTo(Instant.parse("2030-01-11T03:00:00Z"));
        assertThat(a.alerts).isEmpty();
    }

    @Test
    void noCatchUpWhenABackupWithinThePeriodExists() throws Exception {
        Instance a = Instance.fresh("2030-01-10T09:00:00Z");
        a.backupNow();
        a.clock.set(Instant.parse("2030-01-10T10:00:00Z"));
        a.schedule.runOnce();
        assertThat(a.rows()).extracting(Run::triggeredBy).containsExactly("cli");
    }

    @Test
    void anInstanceThatFindsTheLockTakenRunsNothingAndTheOccurrenceRunsOnce() throws Exception {
        Instance a = Instance.fresh("2030-01-13T04:00:05Z"); // Sunday: backup due (caught up), drill due
        Instance b = a.another();

        try (BackupLock held = a.runner.tryLock().orElseThrow()) {
            assertThat(b.runner.tryLock()).as("one lock for the installation").isEmpty();
            b.schedule.runOnce();
            assertThat(b.rows()).isEmpty();
        }
        b.schedule.runOnce();
        a.schedule.runOnce();
        b.schedule.runOnce();
        List<Run> rows = a.rows();
        assertThat(rows).extracting(Run::kind).containsExactlyInAnyOrder("backup", "drill");
        Run drill = rows.stream().filter(r -> r.kind().equals("drill")).findFirst().orElseThrow();
        assertThat(drill.outcome()).as(String.valueOf(drill.error())).isEqualTo("ok");
        assertThat(drill.parity()).isEqualTo(1.0);
        assertThat(drill.rtoSeconds()).isPositive();
        assertThat(drill.scheduledFor()).isEqualTo(Instant.parse("2030-01-13T04:00:00Z"));
        assertThat(drill.counts()).containsKey("public.jobs");
        assertThat(new BackupFolder(a.dir).backups()).hasSize(1);
    }

    @Test
    void aRunLeftRunningByADeadProcessIsFailedAndReportedByTheNextRun() throws Exception {
        Instance a = Instance.fresh("2030-01-10T03:00:10Z");
        long orphan = a.runs.start(Kind.BACKUP, Trigger.CLI, null, "gone:1", Instant.parse("2030-01-10T02:59:00Z"))
                .orElseThrow();
        a.schedule.runOnce();
        Run failed = a.runs.get(orphan).orElseThrow();
        assertThat(failed.outcome()).isEqualTo("failed");
        assertThat(failed.error()).startsWith("interrupted");
        assertThat(a.alerts).extracting(Run::id).containsExactly(orphan);
        assertThat(a.runs.newestOk(Kind.BACKUP)).isPresent();
    }

    @Test
    void aFailedScheduledBackupIsRecordedAlertedAndNotRetriedInItsWindow() throws Exception {
        Instance a = Instance.fresh("2030-01-10T03:00:10Z");
        // pg_dump fails: a table it may not read (a lock it cannot get within its lock timeout would do too).
        try (var c = TestPostgres.dataSource(a.url).getConnection(); var s = c.createStatement()) {
            s.execute("create role levqor_backup_test_reader login");
        } catch (java.sql.SQLException exists) {
            // created by an earlier run of this test on the same server
        }
        Instance limited = a.as("levqor_backup_test_reader");
        limited.schedule.runOnce();
        List<Run> rows = a.rows();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).outcome()).isEqualTo("failed");
        assertThat(rows.get(0).error()).contains("permission denied");
        assertThat(a.alerts).hasSize(1);
        assertThat(new BackupFolder(a.dir).backups()).as("nothing half-written is left").isEmpty();
        assertThat(Files.list(a.dir).toList()).isEmpty();
        a.clock.advance(Duration.ofMinutes(1));
        limited.schedule.runOnce();
        a.schedule.runOnce();
        assertThat(a.rows()).hasSize(1);
        assertThat(a.status.stale()).isTrue();
    }

    @Test
    void backupsAreStaleWhenTheNewestGoodOneIsOlderThan26Hours() throws Exception {
        Instance a = Instance.fresh("2030-01-10T12:00:00Z");
        a.status.refresh();
        assertThat(a.status.stale()).as("no backup at all").isTrue();
        assertThat(a.status.wire(a.status.check())).isEqualTo("stale");
        a.backupNow();
        assertThat(a.status.wire(a.status.check())).isEqualTo("ok");
        a.clock.advance(Duration.ofHours(25));
        assertThat(a.status.stale()).isFalse();
        a.clock.advance(Duration.ofHours(2));
        assertThat(a.status.stale()).isTrue();
        assertThat(new BackupStatus(a.runs, new BackupMetrics(new PrometheusRegistry()), a.clock, false).stale())
                .as("disabled: never stale").isFalse();
    }

    @Test
    void latestOccurrenceIncludesNowAndPeriodsFollowTheCron() {
        var cron = com.cronutils.model.time.ExecutionTime.forCron(new com.cronutils.parser.CronParser(
                com.cronutils.model.definition.CronDefinitionBuilder.instanceDefinitionFor(
                        com.cronutils.model.CronType.UNIX)).parse("0 4 * * 0"));
        assertThat(BackupSchedule.latest(cron, Instant.parse("2030-01-13T04:00:00Z")))
                .contains(Instant.parse("2030-01-13T04:00:00Z"));
        assertThat(BackupSchedule.latest(cron, Instant.parse("2030-01-13T03:59:59.900Z")))
                .contains(Instant.parse("2030-01-06T04:00:00Z"));
        assertThat(BackupSchedule.period(cron, Instant.parse("2030-01-13T04:00:00Z"))).isEqualTo(Duration.ofDays(7));
    }
}
