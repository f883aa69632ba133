package com.levqor.email;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.config.EmailSettings;
import com.levqor.connectors.Connector;
import com.levqor.connectors.Connectors;
import com.levqor.db.Database;
import com.levqor.ops.Metrics;
import com.levqor.runtime.Scheduler;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The email capability of one {@code serve} process, wired: the {@link Outbox} other features queue
 * into, the templates, the Resend mailer behind the {@code resend} connector's circuit, the metrics,
 * and the {@link EmailSender} duty added to the scheduler. Without {@code RESEND_API_KEY} and
 * {@code EMAIL_FROM} emails are queued and kept; the start-up log says so.
 */
public final class EmailDelivery {
    private static final Logger log = LoggerFactory.getLogger(EmailDelivery.class);

    private final Outbox outbox;
    private final EmailSettings settings;
    private final Scheduler.Handle sender;
    private volatile Outbox.Counts lastCounts = new Outbox.Counts(0, 0, 0);

    public EmailDelivery(EmailSettings settings, Database database, Clock clock, ObjectMapper mapper, Metrics metrics,
                         Connector resend, Scheduler scheduler) {
        this.settings = settings;
        this.outbox = new Outbox(database.dsl(), clock, mapper);
        EmailMetrics emailMetrics = new EmailMetrics(metrics, this::counts);
        Optional<ResendMailer> mailer = settings.configured() ? Optional.of(new ResendMailer(settings, clock))
                : Optional.empty();
        if (mailer.isEmpty()) {
            log.warn("Email is not configured ({} unset): emails are queued in the outbox and kept, and go out once "
                    + "RESEND_API_KEY and EMAIL_FROM are set", String.join(", ", settings.missing()));
        }
        this.sender = scheduler.add(new EmailSender(outbox, new Templates(mapper, settings.supportEmail()), mailer,
                resend, settings, emailMetrics, new SenderLock(database.dataSource()), clock));
    }

    /** The outbox: {@link Outbox#queue(org.jooq.DSLContext, Email)} queues an email in a transaction. */
    public Outbox outbox() {
        return outbox;
    }

    public EmailSettings settings() {
        return settings;
    }

    /** Starts a sending round now (after queuing emails that should not wait for the next poll). */
    public void wake() {
        sender.wake();
    }

    /** The outbox figures {@code /ops/connectors} shows under {@code resend}. */
    public Connectors.OutboxFigures figures() {
        Outbox.Counts c = counts();
        return new Connectors.OutboxFigures(c.queued(), c.failed(), c.oldestQueuedAgeSeconds());
    }

    /** The outbox's counts; the last known ones while the database does not answer. */
    public Outbox.Counts counts() {
        try {
            lastCounts = outbox.counts();
        } catch (RuntimeException e) {
            log.debug("Outbox counts unavailable: {}", e.toString());
        }
        return lastCounts;
    }
}
