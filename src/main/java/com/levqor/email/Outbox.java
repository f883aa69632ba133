package com.levqor.email;

import static com.levqor.db.jooq.Tables.EMAIL_OUTBOX;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.EmailOutboxRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * The email outbox: every email Levqor sends is first a row here, written in the same transaction as
 * the change that causes it ({@link #queue}), then delivered by {@link EmailSender}. The public API
 * other features use is {@link #queue(DSLContext, Email)}; the rest serves the sender and the
 * operator ({@code /ops/emails}, {@code levqor emails}). Transitions are guarded updates:
 * {@code queued → sent | failed}, {@code queued → queued} (another attempt later), {@code failed → queued}.
 */
public final class Outbox {
    public static final String QUEUED = "queued";
    public static final String SENT = "sent";
    public static final String FAILED = "failed";
    /** Longest last_error kept (Resend's reasons are short; a stack trace is not kept whole). */
    private static final int MAX_ERROR_LENGTH = 2_000;

    /** Counts for the metrics and {@code /ops/connectors}. */
    public record Counts(int queued, int failed, long oldestQueuedAgeSeconds) {
    }

    private final DSLContext db;
    private final Clock clock;
    private final ObjectMapper mapper;

    public Outbox(DSLContext db, Clock clock, ObjectMapper mapper) {
        this.db = db;
        this.clock = clock;
        this.mapper = mapper;
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * Queues an email in the caller's transaction {@code tx}: it is sent only if that transaction
     * commits, and it is not lost once it has. Returns false, queuing nothing, when the email's
     * dedupe key was used before.
     *
     * @throws IllegalArgumentException for an unknown template, a malformed address or a model that
     *                                  is not JSON-serialisable (a programming error of the caller)
     */
    public boolean queue(DSLContext tx, Email email) {
        if (!Templates.NAMES.contains(email.template())) {
            throw new IllegalArgumentException("Unknown email template '" + email.template() + "'; known: "
                    + Templates.NAMES);
        }
        if (!email.to().matches("[^@\\s]+@[^@\\s]+") || email.to().length() > 320) {
            throw new IllegalArgumentException("Not an email address: '" + email.to() + "'");
        }
        String model;
        try {
            model = mapper.writeValueAsString(email.model());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The model of email template " + email.template()
                    + " cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
        OffsetDateTime now = now();
        return tx.insertInto(EMAIL_OUTBOX)
                .set(EMAIL_OUTBOX.ID, Uuids.v7(clock))
                .set(EMAIL_OUTBOX.TEMPLATE, email.template())
                .set(EMAIL_OUTBOX.RECIPIENT, email.to())
                .set(EMAIL_OUTBOX.MODEL, JSONB.jsonb(model))
                .set(EMAIL_OUTBOX.DEDUPE_KEY, email.dedupeKey().orElse(null))
                .set(EMAIL_OUTBOX.STATUS, QUEUED)
                .set(EMAIL_OUTBOX.NEXT_ATTEMPT_AT, now)
                .set(EMAIL_OUTBOX.CREATED_AT, now)
                .set(EMAIL_OUTBOX.UPDATED_AT, now)
                .onConflictDoNothing()
                .execute() == 1;
    }

    /** {@link #queue(DSLContext, Email)} in a transaction of its own. */
    public boolean queue(Email email) {
        return db.transactionResult(tx -> queue(tx.dsl(), email));
    }

    /** The oldest queued emails, due or not, oldest first: the sender goes through them in order. */
    List<OutboxEmail> oldestQueued(int limit) {
        return db.selectFrom(EMAIL_OUTBOX).where(EMAIL_OUTBOX.STATUS.eq(QUEUED))
                .orderBy(EMAIL_OUTBOX.SEQ).limit(limit).fetch(Outbox::toEmail);
    }

    /** queued → sent. */
    boolean markSent(UUID id, String providerId) {
        OffsetDateTime now = now();
        return db.update(EMAIL_OUTBOX)
                .set(EMAIL_OUTBOX.STATUS, SENT)
                .set(EMAIL_OUTBOX.ATTEMPTS, EMAIL_OUTBOX.ATTEMPTS.plus(1))
                .set(EMAIL_OUTBOX.SENT_AT, now)
                .set(EMAIL_OUTBOX.UPDATED_AT, now)
                .set(EMAIL_OUTBOX.PROVIDER_ID, providerId)
                .where(EMAIL_OUTBOX.ID.eq(id)).and(EMAIL_OUTBOX.STATUS.eq(QUEUED))
                .execute() == 1;
    }

    /** queued → failed, with the reason (Resend's, or "gave up after N attempts: …"). */
    boolean markFailed(UUID id, String reason, boolean countAttempt) {
        return db.update(EMAIL_OUTBOX)
                .set(EMAIL_OUTBOX.STATUS, FAILED)
                .set(EMAIL_OUTBOX.ATTEMPTS, countAttempt ? EMAIL_OUTBOX.ATTEMPTS.plus(1) : EMAIL_OUTBOX.ATTEMPTS)
                .set(EMAIL_OUTBOX.LAST_ERROR, clip(reason))
                .set(EMAIL_OUTBOX.UPDATED_AT, now())
                .where(EMAIL_OUTBOX.ID.eq(id)).and(EMAIL_OUTBOX.STATUS.eq(QUEUED))
                .execute() == 1;
    }

    /** queued → queued: the attempt failed in a way a later one may not; try again at {@code next}. */
    boolean markRetry(UUID id, String reason, Instant next) {
        return db.update(EMAIL_OUTBOX)
                .set(EMAIL_OUTBOX.ATTEMPTS, EMAIL_OUTBOX.ATTEMPTS.plus(1))
                .set(EMAIL_OUTBOX.NEXT_ATTEMPT_AT, OffsetDateTime.ofInstant(next, ZoneOffset.UTC))
                .set(EMAIL_OUTBOX.LAST_ERROR, clip(reason))
                .set(EMAIL_OUTBOX.UPDATED_AT, now())
                .where(EMAIL_OUTBOX.ID.eq(id)).and(EMAIL_OUTBOX.STATUS.eq(QUEUED))
                .execute() == 1;
    }

    /**
     * failed → queued for a fresh round of attempts, due now; returns how many. The reason of the
     * last failure stays until the next attempt.
     */
    public int retryFailed() {
        OffsetDateTime now = now();
        return db.update(EMAIL_OUTBOX)
                .set(EMAIL_OUTBOX.STATUS, QUEUED)
                .set(EMAIL_OUTBOX.ATTEMPTS, 0)
                .set(EMAIL_OUTBOX.NEXT_ATTEMPT_AT, now)
                .set(EMAIL_OUTBOX.UPDATED_AT, now)
                .where(EMAIL_OUTBOX.STATUS.eq(FAILED))
                .execute();
    }

    /** Emails newest first, of one status or all. */
    public List<OutboxEmail> list(Optional<String> status, int limit) {
        Condition c = status.map(EMAIL_OUTBOX.STATUS::eq).orElse(DSL.noCondition());
        return db.selectFrom(EMAIL_OUTBOX).where(c).orderBy(EMAIL_OUTBOX.SEQ.desc()).limit(limit)
                .fetch(Outbox::toEmail);
    }

    public Counts counts() {
        var r = db.select(
                        DSL.count().filterWhere(EMAIL_OUTBOX.STATUS.eq(QUEUED)),
                        DSL.count().filterWhere(EMAIL_OUTBOX.STATUS.eq(FAILED)),
                        DSL.min(EMAIL_OUTBOX.CREATED_AT).filterWhere(EMAIL_OUTBOX.STATUS.eq(QUEUED)))
                .from(EMAIL_OUTBOX)
                .where(EMAIL_OUTBOX.STATUS.in(QUEUED, FAILED))
                .fetchOne();
        OffsetDateTime oldest = r.value3();
        long age = oldest == null ? 0 : Math.max(0, clock.instant().getEpochSecond() - oldest.toEpochSecond());
        return new Counts(r.value1(), r.value2(), age);
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_ERROR_LENGTH ? s : s.substring(0, MAX_ERROR_LENGTH) + "…";
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private static OutboxEmail toEmail(EmailOutboxRecord r) {
        return new OutboxEmail(r.getId(), r.getTemplate(), r.getRecipient(), r.getModel().data(), r.getDedupeKey(),
                r.getStatus(), r.getAttempts(), instant(r.getNextAttemptAt()), instant(r.getCreatedAt()),
                instant(r.getSentAt()), r.getProviderId(), r.getLastError());
    }
}
