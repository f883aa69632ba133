package com.levqor.cli;

import com.levqor.backups.BackupFailedException;
import com.levqor.backups.BackupRunner;
import com.levqor.backups.BackupRuns;
import com.levqor.backups.BackupStatus;
import com.levqor.backups.Manifest;
import com.levqor.backups.PgToolsMissingException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code levqor backup}: the runbook's manual backup ({@code python3 db/backup.py}): pg_dump of the
 * database into {@code BACKUP_DIR/backup_<time>.sql} with its manifest, then old backups pruned.
 * {@code levqor backup list}: every backup and drill, as {@code GET /ops/backups} shows them.
 * Exit statuses: 0 written, 1 failed, 2 bad configuration, 3 pg_dump or psql missing or too old.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Back up the database now (pg_dump plus a manifest of counts and checksums) into BACKUP_DIR.",
        subcommands = {BackupCommand.ListRuns.class})
public final class BackupCommand extends EnvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CommandLineBackups.run(env, err, runner -> {
            try {
                BackupRunner.BackupDone done = runner.backup(BackupRuns.Trigger.CLI, null);
                Manifest m = done.written().manifest();
                out.println("backup:   " + done.written().sql());
                out.println("manifest: " + done.written().manifestFile());
                out.printf(Locale.ROOT, "size:     %s (%d bytes), sha256 %s%n", human(m.sizeBytes()), m.sizeBytes(), m.sha256());
                out.println("tables:   " + m.tableCount() + ", rows: " + m.rowCount());
                m.tables().forEach((t, s) -> out.printf(Locale.ROOT, "  %-40s %12d%n", t, s.rows()));
                out.printf(Locale.ROOT, "took:     %.1f s%n", done.took().toMillis() / 1000.0);
                if (!done.pruned().isEmpty()) {
                    out.println("deleted:  " + done.pruned().size() + " backup(s) older than "
                            + "BACKUP_RETENTION_DAYS: " + done.pruned().stream().map(p -> p.getFileName().toString()).toList());
                }
                return 0;
            } catch (BackupFailedException e) {
                err.println("levqor: backup failed: " + e.getMessage());
                return 1;
            } catch (PgToolsMissingException e) {
                err.println("levqor: " + e.getMessage());
                return PgToolsMissingException.EXIT_STATUS;
            }
        });
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List backups and restore drills, newest first (what GET /ops/backups shows).")
    static final class ListRuns extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--kind", description = "Only backup or drill.")
        String kind;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Optional<BackupRuns.Kind> k = Optional.empty();
            if (kind != null) {
                try {
                    k = Optional.of(BackupRuns.Kind.valueOf(kind.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    err.println("levqor: --kind must be backup or drill, not '" + kind + "'");
                    return 2;
                }
            }
            Optional<BackupRuns.Kind> only = k;
            return CommandLineBackups.withRuns(env, err, (settings, runs) -> {
                List<BackupRuns.Run> list = runs.list(only, Math.max(1, Math.min(limit, 1_000)));
                out.printf("%-6s %-6s %-9s %-7s %-24s %9s %10s %10s %7s %8s  %s%n", "ID", "KIND", "TRIGGER", "OUTCOME",
                        "STARTED_AT", "SECONDS", "SIZE", "ROWS", "PARITY", "RTO_S", "FILE / ERROR");
                for (BackupRuns.Run r : list) {
                    out.printf(Locale.ROOT, "%-6d %-6s %-9s %-7s %-24s %9s %10s %10s %7s %8s  %s%n", r.id(), r.kind(),
                            r.triggeredBy(), r.outcome(), r.startedAt(), num(r.durationSeconds(), "%.1f"),
                            r.sizeBytes() == null ? "" : human(r.sizeBytes()), r.rowCount() == null ? "" : r.rowCount(),
                            r.parity() == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * r.parity()),
                            num(r.rtoSeconds(), "%.1f"), fileAndError(r));
                }
                Optional<Instant> newest = runs.newestGoodBackupAt();
                boolean stale = BackupStatus.isStale(newest, Clock.systemUTC().instant());
                out.println(list.size() + " shown; newest good backup: " + newest.map(Instant::toString).orElse("none")
                        + (settings.backups().enabled() ? (stale ? " (stale: older than 26 hours)" : " (ok)")
                        : " (BACKUPS_ENABLED=false)"));
                return 0;
            });
        }

        private static String num(Double v, String format) {
            return v == null ? "" : String.format(Locale.ROOT, format, v);
        }

        private static String fileAndError(BackupRuns.Run r) {
            String file = r.file() == null ? "" : r.file();
            if (r.error() == null) {
                return file;
            }
            String e = r.error().lines().findFirst().orElse("");
            return (file.isEmpty() ? "" : file + "  ") + (e.length() > 160 ? e.substring(0, 160) + "…" : e);
        }
    }
}
