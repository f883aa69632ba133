package com.levqor.email;

import com.levqor.config.EmailSettings;
import com.levqor.connectors.Connector;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox through Resend, oldest first, as a {@link Duty} of the scheduler. One process
 * sends at a time ({@link SenderLock}). A round goes through the queued rows in order and stops at
 * the first one not due yet, at the rate cap, or at the first failure, so a failing Resend is asked
 * once per backoff step, not once per email, and the emails behind the failing one keep their order:
 * <ul>
 *   <li>accepted: {@code sent};</li>
 *   <li>refused for good (a 4xx retrying cannot fix, such as an invalid address): {@code failed}
 *       with Resend's reason;</li>
 *   <li>network error, 5xx, 429: another attempt after {@code EMAIL_RETRY_BASE_MS × 2^(attempt-1)}
 *       (at most {@code EMAIL_RETRY_MAX_MS}), or after {@code Retry-After} when Resend says so;
 *       {@code failed} after {@code EMAIL_MAX_ATTEMPTS}.</li>
 * </ul>
 * While the Resend circuit is open nothing is attempted. When Resend answers again after failing,
 * one log line says how many emails were delayed and for how long.
 */
public final class EmailSender implements Duty {
    private static final Logger log = LoggerFactory.getLogger(EmailSender.class);
    static final int BATCH = 50;
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final Outbox outbox;
    private final Templates templates;
    private final Optional<ResendMailer> mailer;
    private final Connector resend;
    private final EmailSettings settings;
    private final EmailMetrics metrics;
    private final SenderLock lock;
    private final Clock clock;
    /** Send times (nanoTime) within the last minute, for EMAIL_MAX_PER_MINUTE. */
    private final ArrayDeque<Long> recentSends = new ArrayDeque<>();
    /** When the current run of failures began; null while Resend answers. */
    private Instant failingSince;

    EmailSender(Outbox outbox, Templates templates, Optional<ResendMailer> mailer, Connector resend,
                EmailSettings settings, EmailMetrics metrics, SenderLock lock, Clock clock) {
        this.outbox = outbox;
        this.templates = templates;
        this.mailer = mailer;
        this.resend = resend;
        this.settings = settings;
        this.metrics = metrics;
        this.lock = lock;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "email-sender";
    }

    @Override
    public Duration interval() {
        return Duration.ofMillis(settings.pollMillis());
    }

    @Override
    public boolean runOnce() {
        if (mailer.isEmpty() || !lock.holds()) {
            return false;
        }
        List<OutboxEmail> rows = outbox.oldestQueued(BATCH);
        for (OutboxEmail row : rows) {
            if (row.nextAttemptAt().isAfter(clock.instant()) || !rateAllows()) {
                return false;
            }
            if (!resend.permit()) {
                return false;
            }
            if (!attempt(row)) {
                return false;
            }
        }
        return rows.size() == BATCH;
    }

    /** One attempt; false when the round should stop (Resend failing or asking to slow down). */
    private boolean attempt(OutboxEmail row) {
        Templates.Rendered rendered;
        try {
            rendered = templates.render(row.template(), row.modelJson());
        } catch (RuntimeException e) {
            resend.released();
            outbox.markFailed(row.id(), "template " + row.template() + " could not be rendered: " + e.getMessage(), false);
            metrics.count(row.template(), "failed");
            log.error("Email {} ({}) failed: its template could not be rendered", row.id(), row.template(), e);
            return true;
        }
        recentSends.addLast(System.nanoTime());
        long start = System.nanoTime();
        ResendMailer.Result result = mailer.get().send(row.id(), row.recipient(), rendered);
        long took = System.nanoTime() - start;
        if (result instanceof ResendMailer.Sent sent) {
            resend.succeeded(took);
            recovered(row);
            outbox.markSent(row.id(), sent.providerId());
            metrics.count(row.template(), "sent");
            return true;
        }
        if (result instanceof ResendMailer.Refused refused) {
            resend.answered(took);
            recovered(row);
            outbox.markFailed(row.id(), refused.reason(), true);
            metrics.count(row.template(), "failed");
            log.warn("Email {} ({}) to {} refused by Resend: {}", row.id(), row.template(), mask(row.recipient()),
                    refused.reason());
            return true;
        }
        ResendMailer.Retry retry = (ResendMailer.Retry) result;
        if (retry.providerFailure()) {
            resend.failed(took, retry.reason());
        } else {
            resend.answered(took);
        }
        if (failingSince == null) {
            failingSince = clock.instant();
        }
        int attempts = row.attempts() + 1;
        if (attempts >= settings.maxAttempts()) {
            outbox.markFailed(row.id(), "gave up after " + attempts + " attempts: " + retry.reason(), true);
            metrics.count(row.template(), "failed");
            log.warn("Email {} ({}) failed after {} attempts: {}", row.id(), row.template(), attempts, retry.reason());
            return false;
        }
        Duration wait = backoff(attempts);
        if (retry.retryAfter() != null && retry.retryAfter().compareTo(wait) > 0) {
            wait = retry.retryAfter();
        }
        outbox.markRetry(row.id(), retry.reason(), clock.instant().plus(wait));
        metrics.count(row.template(), "retried");
        log.warn("Email {} ({}) attempt {} of {} failed, next in {} s: {}", row.id(), row.template(), attempts,
                settings.maxAttempts(), wait.toMillis() / 1000.0, retry.reason());
        return false;
    }

    /** The wait after the given number of failed attempts: base × 2^(attempts-1), capped. */
    Duration backoff(int attempts) {
        long base = settings.retryBaseMillis();
        long wait = attempts >= 40 ? Long.MAX_VALUE : base << Math.max(0, attempts - 1);
        if (wait <= 0 || wait > settings.retryMaxMillis()) {
            wait = settings.retryMaxMillis();
        }
        return Duration.ofMillis(wait);
    }

    private void recovered(OutboxEmail first) {
        if (failingSince == null) {
            return;
        }
        Outbox.Counts c = outbox.counts();
        long failedFor = Duration.between(failingSince, clock.instant()).toSeconds();
        long oldest = Math.max(c.oldestQueuedAgeSeconds(),
                Duration.between(first.createdAt(), clock.instant()).toSeconds());
        log.warn("Resend answers again after {} s of failures: {} delayed email(s) going out now, oldest first; "
                + "the oldest has waited {} s", failedFor, c.queued(), oldest);
        failingSince = null;
    }

    private boolean rateAllows() {
        long now = System.nanoTime();
        while (!recentSends.isEmpty() && now - recentSends.peekFirst() >= MINUTE_NANOS) {
            recentSends.removeFirst();
        }
        return recentSends.size() < settings.maxPerMinute();
    }

    @Override
    public void stopped() {
        lock.close();
    }

    /** An address as logs show it: its domain only. */
    static String mask(String address) {
        int at = address.indexOf('@');
        return at < 0 ? "***" : "***" + address.substring(at);
    }
}
