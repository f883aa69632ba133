package com.levqor.cli;

import com.levqor.runtime.Version;
import com.levqor.api.Json;
import com.levqor.backups.BackupFailureEmails;
import com.levqor.backups.BackupLock;
import com.levqor.backups.BackupMetrics;
import com.levqor.backups.BackupRunner;
import com.levqor.backups.BackupRuns;
import com.levqor.backups.BackupStatus;
import com.levqor.backups.PgTarget;
import com.levqor.backups.PgTools;
import com.levqor.backups.PgToolsMissingException;
import com.levqor.backups.ReportedBackupAlerts;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.email.Outbox;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.Metrics;
import java.io.PrintWriter;
import java.time.Clock;

/**
 * What {@code levqor backup} and {@code levqor restore-verify} share: the tools checked before the
 * database is even opened (exit 3), the migrated database (the embedded one of a running
 * {@code serve} when there is one), and the {@link BackupRunner} of the schedule, whose failures go
 * to the console, with {@code SENTRY_DSN} to Sentry, and with {@code ADMIN_EMAIL} into the email
 * outbox (sent by a running {@code serve}).
 */
final class CommandLineBackups implements AutoCloseable {
    /** A command's work with the runner, holding the backup lock. */
    interface Work {
        int run(BackupRunner runner) throws Exception;
    }

    private final Database database;
    private final ErrorReporter reporter;
    private final BackupRunner runner;

    private CommandLineBackups(Database database, ErrorReporter reporter, BackupRunner runner) {
        this.database = database;
        this.reporter = reporter;
        this.runner = runner;
    }

    /**
     * Runs {@code work} holding the backup lock: exit status 2 on a bad configuration, 3 when pg_dump or
     * psql is missing or too old, otherwise the work's.
     */
    static int run(java.util.Map<String, String> env, PrintWriter err, Work work) throws Exception {
        Settings settings = Cli.settings(env, err);
        if (settings == null) {
            return Cli.badConfig();
        }
        try {
            PgTools.locate(settings.backups().pgBinDir(), settings.backups().searchPath());
        } catch (PgToolsMissingException e) {
            err.println("levqor: " + e.getMessage());
            return PgToolsMissingException.EXIT_STATUS;
        }
        try (CommandLineBackups b = open(settings)) {
            try {
                b.runner.tools();
            } catch (PgToolsMissingException e) {
                err.println("levqor: " + e.getMessage());
                return PgToolsMissingException.EXIT_STATUS;
            }
            try (BackupLock lock = b.runner.lock(() -> {
                err.println("levqor: another backup or restore drill is running; waiting for it to finish");
                err.flush();
            })) {
                b.runner.closeInterrupted();
                return work.run(b.runner);
            }
        }
    }

    /** {@code levqor backup list}: no tools needed, no lock. */
    static int withRuns(java.util.Map<String, String> env, PrintWriter err,
                        java.util.function.BiFunction<Settings, BackupRuns, Integer> work) {
        Settings settings = Cli.settings(env, err);
        if (settings == null) {
            return Cli.badConfig();
        }
        try (Database db = Cli.openMigrated(settings)) {
            return work.apply(settings, new BackupRuns(db.dsl()));
        }
    }

    private static CommandLineBackups open(Settings settings) {
        Database db = Cli.openMigrated(settings);
        Metrics metrics = new Metrics();
        ErrorReporter reporter = new ErrorReporter(metrics, settings.ops().sentryDsn(), Version.get());
        Clock clock = Clock.systemUTC();
        BackupRuns runs = new BackupRuns(db.dsl());
        BackupStatus status = new BackupStatus(runs, new BackupMetrics(metrics.registry()), clock,
                settings.backups().enabled());
        BackupRunner runner = new BackupRunner(settings.backups(), PgTarget.of(settings.database(), db.embedded()), runs,
                BackupFailureEmails.around(new ReportedBackupAlerts(reporter), settings.email(), settings.backups(), runs,
                        new Outbox(db.dsl(), clock, Json.newMapper())), status, clock);
        return new CommandLineBackups(db, reporter, runner);
    }

    @Override
    public void close() {
        try {
            reporter.close();
        } finally {
            database.close();
        }
    }
}
