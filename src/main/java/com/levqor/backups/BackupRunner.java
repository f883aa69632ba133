package com.levqor.backups;

import com.levqor.backups.BackupRuns.Kind;
import com.levqor.backups.BackupRuns.Outcome;
import com.levqor.backups.BackupRuns.Result;
import com.levqor.backups.BackupRuns.Run;
import com.levqor.backups.BackupRuns.Trigger;
import com.levqor.config.BackupSettings;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a backup or a restore drill the way every caller wants it run (the schedule of
 * {@code serve}, {@code levqor backup}, {@code levqor restore-verify}): tools checked first, the
 * run's row written and finished, old backups pruned after a good backup, the status and gauges
 * refreshed, and a failure reported through {@link BackupAlerts} before it is thrown.
 *
 * <p>Callers hold the {@link BackupLock} around {@link #backup} and {@link #drill} ({@link #lock},
 * {@link #tryLock}): one run at a time in the installation.
 */
public final class BackupRunner {
    private static final Logger log = LoggerFactory.getLogger(BackupRunner.class);

    /** A backup written: its row, its files, and the old backups pruned after it. */
    public record BackupDone(Run run, BackupWriter.Written written, List<Path> pruned, Duration took) {
    }

    private final BackupSettings settings;
    private final PgTarget target;
    private final Optional<PgTarget> verifyDatabase;
    private final BackupFolder folder;
    private final BackupRuns runs;
    private final BackupAlerts alerts;
    private final BackupStatus status;
    private final Clock clock;
    private final String instance;
    private volatile PgTools checkedTools;

    public BackupRunner(BackupSettings settings, PgTarget target, BackupRuns runs, BackupAlerts alerts,
                        BackupStatus status, Clock clock) {
        this.settings = settings;
        this.target = target;
        this.verifyDatabase = settings.restoreVerifyDatabase()
                .map(x -> PgTarget.fromJdbc(x.jdbcUrl(), x.user(), x.password()));
        this.folder = new BackupFolder(settings.dir());
        this.runs = runs;
        this.alerts = alerts;
        this.status = status;
        this.clock = clock;
        this.instance = instanceName();
    }

    /** The backup lock if no other run holds it. */
    public Optional<BackupLock> tryLock() throws SQLException {
        return BackupLock.tryAcquire(target);
    }

    /** Waits for the backup lock; {@code waiting} is told once when another run holds it. */
    public BackupLock lock(Runnable waiting) throws SQLException {
        return BackupLock.acquire(target, waiting);
    }

    /**
     * Fails the rows of runs whose process died mid-run, and reports each (call holding the lock).
     */
    public List<Run> closeInterrupted() {
        List<Run> dead = runs.failInterrupted(clock.instant());
        dead.forEach(r -> alerts.failed(r, null));
        return dead;
    }

    /**
     * The tools, checked against the server's major version; once they pass, the same tools for the
     * rest of the process (a tool removed later fails the run that starts it, loudly too).
     */
    public PgTools tools() throws PgToolsMissingException, SQLException {
        PgTools known = checkedTools;
        if (known != null) {
            return known;
        }
        PgTools tools = PgTools.locate(settings.pgBinDir(), settings.searchPath());
        try (Connection c = target.connect("levqor-backup")) {
            checkedTools = tools.requireServerMajor(TableChecksums.serverMajor(c));
            return checkedTools;
        }
    }

    /**
     * Writes a backup (hold the lock).
     *
     * @param scheduledFor the cron occurrence, or null from the command line
     * @throws OccurrenceTakenException when the occurrence turns out to be recorded already (nothing written)
     */
    public BackupDone backup(Trigger trigger, Instant scheduledFor)
            throws BackupFailedException, PgToolsMissingException, InterruptedException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        AtomicReference<Long> id = new AtomicReference<>();
        try {
            PgTools tools = tools();
            BackupWriter.Written w = new BackupWriter(folder, tools, target, clock).write(() -> id.set(
                    runs.start(Kind.BACKUP, trigger, scheduledFor, instance, started)
                            .orElseThrow(() -> new OccurrenceTakenException(Kind.BACKUP, scheduledFor))));
            Manifest m = w.manifest();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            runs.finish(id.get(), new Result(Outcome.OK, m.file(), m.sizeBytes(), m.tableCount(), m.rowCount(),
                    counts(m.content()), null, null, null), clock.instant(), took.toNanos() / 1e9);
            List<Path> pruned = new Retention(folder, settings.retentionDays(), clock).prune();
            status.refreshQuietly();
            log.info("Backup {} written: {} bytes, {} tables, {} rows in {} ms{}", w.sql(), m.sizeBytes(),
                    m.tableCount(), m.rowCount(), took.toMillis(),
                    pruned.isEmpty() ? "" : "; " + pruned.size() + " old backup(s) deleted");
            return new BackupDone(run(id.get()), w, pruned, took);
        } catch (OccurrenceTakenException e) {
            throw e;
        } catch (BackupFailedException | PgToolsMissingException e) {
            fail(Kind.BACKUP, trigger, scheduledFor, started, t0, id.get(), null, e);
            throw e;
        } catch (SQLException | RuntimeException e) {
            fail(Kind.BACKUP, trigger, scheduledFor, started, t0, id.get(), null, e);
            throw new BackupFailedException("Backup failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            fail(Kind.BACKUP, trigger, scheduledFor, started, t0, id.get(), null,
                    new BackupFailedException("interrupted: the process was stopping"));
            throw e;
        }
    }

    /**
     * Restores and verifies a backup (hold the lock): {@code file}, or the newest complete one.
     * A drill that compared and found differences is finished as failed and alerted, and returned.
     *
     * @return the report, or empty when the occurrence was recorded already
     */
    public Optional<VerifyReport> drill(Trigger trigger, Instant scheduledFor, Optional<Path> file)
            throws BackupFailedException, PgToolsMissingException, InterruptedException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        Optional<Long> id = runs.start(Kind.DRILL, trigger, scheduledFor, instance, started);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        String name = file.map(p -> p.getFileName().toString()).orElse(null);
        try {
            PgTools tools = tools();
            Path sql = file.isPresent() ? file.get() : folder.newestComplete().map(BackupFolder.Entry::sql)
                    .orElseThrow(() -> new BackupFailedException("No complete backup in BACKUP_DIR "
                            + folder.dir().toAbsolutePath() + " to verify (run levqor backup first)"));
            name = sql.getFileName().toString();
            VerifyReport report = new RestoreVerifier(tools, target, verifyDatabase, clock).verify(sql);
            Result result = new Result(report.passed() ? Outcome.OK : Outcome.FAILED, name, report.manifest().sizeBytes(),
                    report.restored().tables().size(), report.restored().totalRows(), counts(report.restored()),
                    report.parity().ratio(), report.rtoSeconds(), report.passed() ? null : report.failureSummary());
            runs.finish(id.get(), result, clock.instant(), (System.nanoTime() - t0) / 1e9);
            status.refreshQuietly();
            if (report.passed()) {
                log.info("Restore drill of {}: {} {}", name, report.parity().parityLine(), report.rtoLine());
            } else {
                alerts.failed(run(id.get()), null);
            }
            return Optional.of(report);
        } catch (BackupFailedException | PgToolsMissingException e) {
            fail(Kind.DRILL, trigger, scheduledFor, started, t0, id.get(), name, e);
            throw e;
        } catch (SQLException | RuntimeException e) {
            fail(Kind.DRILL, trigger, scheduledFor, started, t0, id.get(), name, e);
            throw new BackupFailedException("Restore drill failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            fail(Kind.DRILL, trigger, scheduledFor, started, t0, id.get(), name,
                    new BackupFailedException("interrupted: the process was stopping"));
            throw e;
        }
    }

    /** Finishes (or, when the run failed before its row was written, writes) the row as failed, and alerts. */
    private void fail(Kind kind, Trigger trigger, Instant scheduledFor, Instant started, long t0, Long id, String file,
                      Exception cause) {
        String error = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        try {
            Long rowId = id != null ? id : runs.start(kind, trigger, scheduledFor, instance, started).orElse(null);
            if (rowId == null) {
                log.error("{} failed and its occurrence {} was recorded by another run meanwhile: {}", kind.wire(),
                        scheduledFor, error);
                return;
            }
            runs.finish(rowId, Result.failed(file, error), clock.instant(), (System.nanoTime() - t0) / 1e9);
            status.refreshQuietly();
            alerts.failed(run(rowId), cause);
        } catch (RuntimeException e) {
            // The database itself may be what failed: the alert must still go out.
            Run unrecorded = new Run(id == null ? 0 : id, kind.wire(), trigger.wire(), scheduledFor, instance,
                    Outcome.FAILED.wire(), file, null, null, null, null, null, null,
                    error + " (and recording the failure failed too: " + e.getMessage() + ")", started,
                    clock.instant(), null);
            alerts.failed(unrecorded, cause);
        }
    }

    private Run run(long id) {
        return runs.get(id).orElseThrow(() -> new IllegalStateException("backups row " + id + " vanished"));
    }

    private static Map<String, Long> counts(DatabaseContent content) {
        Map<String, Long> out = new LinkedHashMap<>();
        content.tables().forEach((t, s) -> out.put(t, s.rows()));
        return out;
    }

    public BackupFolder folder() {
        return folder;
    }

    public BackupRuns runs() {
        return runs;
    }

    public BackupStatus status() {
        return status;
    }

    public String instance() {
        return instance;
    }

    /** {@code host:pid}: which process ran a run. */
    static String instanceName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "localhost";
            }
        }
        return host + ":" + ProcessHandle.current().pid();
    }
}
