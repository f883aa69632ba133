package com.levqor.webhooks;

import static com.levqor.db.jooq.Tables.ACCOUNTS;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.db.Uuids;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The effects of the Stripe events Levqor handles, run inside the event's storage transaction.
 * The account is named by the Checkout session's {@code client_reference_id} or by
 * {@code metadata.account_id} (which the checkout sets on the session and the subscription).
 * <ul>
 *   <li>{@code checkout.session.completed}: the account goes to {@code pro};</li>
 *   <li>{@code customer.subscription.updated}: {@code pro} while active or trialing, {@code free}
 *       once canceled, unpaid or expired;</li>
 *   <li>{@code customer.subscription.deleted}: the account goes back to {@code free}.</li>
 * </ul>
 * Other types are stored and acknowledged as {@code unhandled}.
 */
public final class StripeEvents {
    private static final Set<String> PRO_STATUSES = Set.of("active", "trialing");
    private static final Set<String> FREE_STATUSES = Set.of("canceled", "unpaid", "incomplete_expired");

    private final Clock clock;

    public StripeEvents(Clock clock) {
        this.clock = clock;
    }

    /** Applies the event in the given transaction; returns its outcome. */
    public String apply(DSLContext t, String type, JsonNode object) {
        switch (type) {
            case "checkout.session.completed":
                return setPlan(t, object, "pro");
            case "customer.subscription.updated": {
                String status = object.path("status").asText("");
                if (PRO_STATUSES.contains(status)) {
                    return setPlan(t, object, "pro");
                }
                if (FREE_STATUSES.contains(status)) {
                    return setPlan(t, object, "free");
                }
                return WebhookEvents.IGNORED;
            }
            case "customer.subscription.deleted":
                return setPlan(t, object, "free");
            default:
                return WebhookEvents.UNHANDLED;
        }
    }

    private String setPlan(DSLContext t, JsonNode object, String plan) {
        String ref = object.path("client_reference_id").asText("");
        if (ref.isEmpty()) {
            ref = object.path("metadata").path("account_id").asText("");
        }
        UUID account = Uuids.parseOrNull(ref);
        if (account == null) {
            return WebhookEvents.IGNORED;
        }
        int updated = t.update(ACCOUNTS).set(ACCOUNTS.PLAN, plan)
                .set(ACCOUNTS.UPDATED_AT, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
                .where(ACCOUNTS.ID.eq(account)).and(ACCOUNTS.CREATED_AT.le(
                        OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
                .execute();
        return updated == 1 ? WebhookEvents.PROCESSED : WebhookEvents.IGNORED;
    }
}
