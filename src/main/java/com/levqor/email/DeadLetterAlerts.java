package com.levqor.email;

import com.levqor.config.EmailSettings;
import com.levqor.jobs.ClaimedJob;
import com.levqor.jobs.DeadJobListener;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * The dead-letter alert ({@code ALERT_ON_DLQ=true}): an email to {@code ADMIN_EMAIL} for each job
 * that goes dead, queued in the transaction that makes it dead, once per job and attempt.
 */
public final class DeadLetterAlerts implements DeadJobListener {
    /** Longest error text put in the email. */
    private static final int MAX_ERROR_CHARS = 2_000;
    private final Outbox outbox;
    private final String adminEmail;

    private DeadLetterAlerts(Outbox outbox, String adminEmail) {
        this.outbox = outbox;
        this.adminEmail = adminEmail;
    }

    /** The listener the settings ask for: alerts with ALERT_ON_DLQ and ADMIN_EMAIL set, none otherwise. */
    public static DeadJobListener of(EmailSettings settings, Outbox outbox) {
        if (!settings.alertOnDlq() || settings.adminEmail().isEmpty()) {
            return DeadJobListener.NONE;
        }
        return new DeadLetterAlerts(outbox, settings.adminEmail().get());
    }

    @Override
    public void died(DSLContext tx, ClaimedJob job, String error, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", job.id().toString());
        m.put("workflow", job.workflow());
        m.put("account_id", job.accountId().toString());
        m.put("attempts", job.attemptsUsed());
        m.put("dead_at", at.toString());
        String e = error == null ? "" : error;
        m.put("error", e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) + "…" : e);
        outbox.queue(tx, Email.of(Templates.DLQ_ALERT, adminEmail, m).dedupedBy("dlq_alert:" + job.id() + ":"
                + job.attempt()));
    }
}
