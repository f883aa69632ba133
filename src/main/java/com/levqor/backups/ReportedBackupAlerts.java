package com.levqor.backups;

import com.levqor.ops.ErrorReporter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reported alerts of a failed backup or drill: an ERROR line in the log, and through
 * {@link ErrorReporter} (type {@code backup}) a line in {@code logs/errors.jsonl}, a count in
 * {@code error_rate_total{type="backup"}} and, with {@code SENTRY_DSN}, a Sentry event. The email to
 * {@code ADMIN_EMAIL} is {@link BackupFailureEmails}, wrapped around these.
 */
public final class ReportedBackupAlerts implements BackupAlerts {
    /** The {@code type} of backup failures in errors.jsonl and {@code error_rate_total}. */
    public static final String ERROR_TYPE = "backup";
    private static final Logger log = LoggerFactory.getLogger(ReportedBackupAlerts.class);

    private final ErrorReporter reporter;

    public ReportedBackupAlerts(ErrorReporter reporter) {
        this.reporter = reporter;
        reporter.declare(ERROR_TYPE);
    }

    @Override
    public void failed(BackupRuns.Run run, Throwable cause) {
        String message = describe(run);
        log.error(message);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("backup_id", run.id());
        context.put("kind", run.kind());
        context.put("triggered_by", run.triggeredBy());
        if (run.scheduledFor() != null) {
            context.put("scheduled_for", run.scheduledFor().toString());
        }
        if (run.file() != null) {
            context.put("file", run.file());
        }
        context.put("instance", run.instance());
        reporter.report(ERROR_TYPE, message, cause, context);
    }

    /** "Backup failed (schedule, run 12 on host:123): <error>". */
    public static String describe(BackupRuns.Run run) {
        return ("drill".equals(run.kind()) ? "Restore drill" : "Backup") + " failed (" + run.triggeredBy()
                + (run.scheduledFor() == null ? "" : " of " + run.scheduledFor()) + ", run " + run.id() + " on "
                + run.instance() + "): " + run.error();
    }
}
