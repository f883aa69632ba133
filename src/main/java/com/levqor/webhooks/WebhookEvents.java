package com.levqor.webhooks;

import static com.levqor.db.jooq.Tables.WEBHOOK_EVENTS;

import com.levqor.db.Uuids;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * The webhook event log: each event stored once by (source, provider id). The row is inserted in
 * the same transaction as the event's effects, so an event is either stored with its effects or
 * not at all, and a replay finds the row and is acknowledged without running the effects again.
 */
public final class WebhookEvents {
    public static final String PROCESSED = "processed";
    public static final String IGNORED = "ignored";
    public static final String UNHANDLED = "unhandled";
    /** An unverified event that the provider's API did not confirm: stored, with no effect. */
    public static final String UNCONFIRMED = "unconfirmed";

    /** What storing an event did. */
    public record Stored(WebhookEvent event, boolean duplicate) {
    }

    private final DSLContext db;
    private final Clock clock;

    public WebhookEvents(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Stores the event and runs its effects in one transaction; {@code effects} returns the outcome.
     * A replay (same source and id) runs nothing and returns the first event, {@code duplicate}.
     */
    public Stored recordOnce(String source, String eventId, String type, boolean verified, String payloadJson,
                             Function<DSLContext, String> effects) {
        return db.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            var id = Uuids.v7(clock);
            OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
            int inserted = t.insertInto(WEBHOOK_EVENTS)
                    .set(WEBHOOK_EVENTS.ID, id)
                    .set(WEBHOOK_EVENTS.PROVIDER, source)
                    .set(WEBHOOK_EVENTS.PROVIDER_EVENT_ID, eventId)
                    .set(WEBHOOK_EVENTS.TYPE, type)
                    .set(WEBHOOK_EVENTS.VERIFIED, verified)
                    .set(WEBHOOK_EVENTS.OUTCOME, PROCESSED)
                    .set(WEBHOOK_EVENTS.RECEIVED_AT, now)
                    .set(WEBHOOK_EVENTS.PAYLOAD, JSONB.jsonb(payloadJson))
                    .onConflictDoNothing()
                    .execute();
            if (inserted == 0) {
                var first = t.selectFrom(WEBHOOK_EVENTS).where(WEBHOOK_EVENTS.PROVIDER.eq(source))
                        .and(WEBHOOK_EVENTS.PROVIDER_EVENT_ID.eq(eventId)).fetchOne();
                return new Stored(toEvent(first), true);
            }
            String outcome = effects.apply(t);
            t.update(WEBHOOK_EVENTS).set(WEBHOOK_EVENTS.OUTCOME, outcome).where(WEBHOOK_EVENTS.ID.eq(id)).execute();
            return new Stored(new WebhookEvent(id, source, eventId, type, verified, outcome, now.toInstant()), false);
        });
    }

    /** Recent events, newest first, of one source or all. */
    public List<WebhookEvent> recent(Optional<String> source, int limit) {
        Condition c = source.map(WEBHOOK_EVENTS.PROVIDER::eq).orElse(DSL.noCondition());
        return db.selectFrom(WEBHOOK_EVENTS).where(c)
                .orderBy(WEBHOOK_EVENTS.RECEIVED_AT.desc(), WEBHOOK_EVENTS.ID.desc())
                .limit(limit).fetch(WebhookEvents::toEvent);
    }

    private static WebhookEvent toEvent(com.levqor.db.jooq.tables.records.WebhookEventsRecord r) {
        return new WebhookEvent(r.getId(), r.getProvider(), r.getProviderEventId(), r.getType(), r.getVerified(),
                r.getOutcome(), r.getReceivedAt().toInstant());
    }
}
