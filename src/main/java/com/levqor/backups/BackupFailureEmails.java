package com.levqor.backups;

import com.levqor.backups.BackupRuns.Run;
import com.levqor.config.BackupSettings;
import com.levqor.config.EmailSettings;
import com.levqor.email.Email;
import com.levqor.email.Outbox;
import com.levqor.email.Templates;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The email of a failed backup or restore drill: after the alerts it wraps (the log,
 * {@code errors.jsonl}, Sentry: {@link ReportedBackupAlerts}), one email of template
 * {@code backup_failure} to {@code ADMIN_EMAIL}, queued in the email outbox whether or not Resend is
 * configured (the outbox keeps it until it is). One per run: its dedupe key is
 * {@code backup_alert:<run id>}.
 */
public final class BackupFailureEmails implements BackupAlerts {
    private static final Logger log = LoggerFactory.getLogger(BackupFailureEmails.class);
    /** Longest error text put in the email. */
    private static final int MAX_ERROR_CHARS = 2_000;

    private final BackupAlerts reported;
    private final Outbox outbox;
    private final String adminEmail;
    private final BackupRuns runs;
    private final Path backupDir;

    private BackupFailureEmails(BackupAlerts reported, Outbox outbox, String adminEmail, BackupRuns runs,
                                Path backupDir) {
        this.reported = reported;
        this.outbox = outbox;
        this.adminEmail = adminEmail;
        this.runs = runs;
        this.backupDir = backupDir;
    }

    /**
     * The alerts the settings ask for: {@code reported}, then the email when {@code ADMIN_EMAIL} is set;
     * {@code reported} alone otherwise.
     *
     * @param runs read for the newest good backup the email names
     */
    public static BackupAlerts around(BackupAlerts reported, EmailSettings email, BackupSettings backups,
                                      BackupRuns runs, Outbox outbox) {
        if (email.adminEmail().isEmpty()) {
            return reported;
        }
        return new BackupFailureEmails(reported, outbox, email.adminEmail().get(), runs,
                backups.dir().toAbsolutePath().normalize());
    }

    @Override
    public void failed(Run run, Throwable cause) {
        reported.failed(run, cause);
        try {
            outbox.queue(email(run));
        } catch (RuntimeException e) {
            // The database may be what failed the run; the alerts above went out all the same.
            log.error("Could not queue the email of failed {} run {} to {}: {}", run.kind(), run.id(), adminEmail,
                    e.toString());
        }
    }

    /** The email of a run: the template's model, and the dedupe key of the run. */
    Email email(Run run) {
        boolean drill = BackupRuns.Kind.DRILL.wire().equals(run.kind());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", drill ? "Restore drill" : "Backup");
        m.put("run_kind", drill ? "restore drill" : "backup");
        m.put("kind", trigger(run.triggeredBy()));
        m.put("run_id", run.id());
        m.put("host", run.instance());
        m.put("started_at", run.startedAt() == null ? "" : run.startedAt().toString());
        if (run.scheduledFor() != null) {
            m.put("scheduled_for", run.scheduledFor().toString());
        }
        String error = run.error() == null ? "" : run.error();
        m.put("error", error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) + "…" : error);
        if (run.file() != null) {
            m.put("file", run.file());
        }
        m.put("backup_dir", backupDir.toString());
        lastGoodBackup().ifPresent(t -> m.put("last_success_at", t));
        m.put("command", drill ? "levqor restore-verify" : "levqor backup");
        // A run whose row could not be written has no id of its own (0): keyed by where and when it ran.
        String key = run.id() > 0 ? "backup_alert:" + run.id()
                : "backup_alert:unrecorded:" + run.instance() + ":" + run.startedAt();
        return Email.of(Templates.BACKUP_FAILURE, adminEmail, m).dedupedBy(key);
    }

    private java.util.Optional<String> lastGoodBackup() {
        try {
            return runs.newestOk(BackupRuns.Kind.BACKUP).map(r -> r.endedAt().toString());
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** "scheduled", "catch-up", "command-line": how the template names what started the run. */
    private static String trigger(String wire) {
        if (BackupRuns.Trigger.SCHEDULE.wire().equals(wire)) {
            return "scheduled";
        }
        if (BackupRuns.Trigger.CATCH_UP.wire().equals(wire)) {
            return "catch-up";
        }
        if (BackupRuns.Trigger.CLI.wire().equals(wire)) {
            return "command-line";
        }
        return wire == null ? "" : wire;
    }
}
