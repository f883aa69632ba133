package com.levqor.cli;

import com.levqor.backups.BackupFailedException;
import com.levqor.backups.BackupRuns;
import com.levqor.backups.PgToolsMissingException;
import com.levqor.backups.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code levqor restore-verify [FILE]}: the runbook's restore drill ({@code python3
 * db/restore_verify.py}). Restores the newest backup (or FILE) into a scratch database, compares it
 * with its manifest and prints {@code PARITY:100%} and {@code RTO: N.N minutes}, then one line per
 * item that differs. Exit statuses: 0 at 100%, 1 below (or no backup to verify), 2 bad
 * configuration, 3 pg_dump or psql missing or too old.
 */
@Command(name = "restore-verify", mixinStandardHelpOptions = true,
        description = "Restore the newest backup (or FILE) into a scratch database and compare it with its manifest.")
public final class RestoreVerifyCommand extends EnvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "A backup_<time>.sql (a path, or a name in BACKUP_DIR); default: the newest complete one.")
    String file;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CommandLineBackups.run(env, err, runner -> {
            Optional<Path> chosen = Optional.empty();
            if (file != null) {
                Path p = Path.of(file);
                if (!Files.exists(p) && p.getParent() == null && Files.exists(runner.folder().dir().resolve(p))) {
                    p = runner.folder().dir().resolve(p);
                }
                if (!Files.isRegularFile(p)) {
                    err.println("levqor: no backup file " + file + " (nor in BACKUP_DIR " + runner.folder().dir() + ")");
                    return 1;
                }
                chosen = Optional.of(p);
            }
            try {
                VerifyReport report = runner.drill(BackupRuns.Trigger.CLI, null, chosen).orElseThrow();
                report.lines().forEach(out::println);
                out.println("verified: " + report.file() + " (" + report.manifest().tableCount() + " tables, "
                        + report.manifest().rowCount() + " rows in the manifest) in " + report.scratch()
                        + (report.cleanupError() == null ? " (emptied or dropped)" : " (NOT dropped: " + report.cleanupError() + ")"));
                return report.passed() ? 0 : 1;
            } catch (BackupFailedException e) {
                err.println("levqor: restore-verify failed: " + e.getMessage());
                return 1;
            } catch (PgToolsMissingException e) {
                err.println("levqor: " + e.getMessage());
                return PgToolsMissingException.EXIT_STATUS;
            }
        });
    }
}
