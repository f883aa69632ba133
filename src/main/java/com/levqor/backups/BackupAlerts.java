package com.levqor.backups;

/**
 * Who is told when a backup or drill fails: {@link ReportedBackupAlerts} (a log line,
 * {@code logs/errors.jsonl}, {@code error_rate_total{type="backup"}} and Sentry), and, wrapped around
 * it when {@code ADMIN_EMAIL} is set, {@link BackupFailureEmails} (an email through the outbox).
 */
public interface BackupAlerts {
    /**
     * A run failed (its row is finished as failed already).
     *
     * @param run   the run's row
     * @param cause the exception behind it, or null (a drill that compared and found differences)
     */
    void failed(BackupRuns.Run run, Throwable cause);
}
