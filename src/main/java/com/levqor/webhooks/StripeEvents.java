package com.levqor.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.billing.BillingEffects;
import com.levqor.billing.BillingMetrics;
import com.levqor.billing.StripeGateway;
import java.time.Instant;
import java.util.Optional;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Stripe events Levqor acts on, run inside the event's storage transaction (see
 * {@link BillingEffects} for what each type does), and the read-back that confirms an unverified
 * event: with {@code WEBHOOK_VERIFY_ALL=false} an event whose signature does not verify is applied
 * only as Stripe's API returns it by id ({@code GET /v1/events/{id}}), never on the body's word;
 * one Stripe does not know is stored {@code unconfirmed} and changes nothing.
 */
public final class StripeEvents {
    private static final Logger log = LoggerFactory.getLogger(StripeEvents.class);
    private final BillingEffects effects;
    private final StripeGateway stripe;
    private final BillingMetrics metrics;
    private final Runnable afterEmails;

    /** @param afterEmails run after an event was stored (wakes the email sender) */
    public StripeEvents(BillingEffects effects, StripeGateway stripe, BillingMetrics metrics, Runnable afterEmails) {
        this.effects = effects;
        this.stripe = stripe;
        this.metrics = metrics;
        this.afterEmails = afterEmails;
    }

    /**
     * Stripe's own copy of an event, read by id; empty when Stripe does not know the id or no
     * {@code STRIPE_SECRET_KEY} is set to ask. Throws {@code 503 stripe_unavailable} when Stripe cannot be
     * asked now (nothing is stored, so Stripe redelivers later).
     */
    Optional<JsonNode> readBack(String eventId) {
        if (!stripe.configured()) {
            log.warn("Cannot confirm unverified Stripe event {}: STRIPE_SECRET_KEY is not set", eventId);
            return Optional.empty();
        }
        Optional<JsonNode> copy = stripe.event(eventId).filter(e -> eventId.equals(e.path("id").asText()));
        log.info("Unverified Stripe event {} {} by reading it back from Stripe", eventId,
                copy.isPresent() ? "confirmed" : "NOT confirmed (unknown to Stripe)");
        return copy;
    }

    /** Applies the event (Stripe's JSON: type, created, data.object) in the given transaction; returns its outcome. */
    public String apply(DSLContext t, JsonNode event) {
        String type = event.path("type").asText("");
        Instant created = event.path("created").canConvertToLong() && event.path("created").asLong() > 0
                ? Instant.ofEpochSecond(event.path("created").asLong()) : null;
        return effects.applyEvent(t, type, created, event.path("data").path("object"));
    }

    /** Counts the stored event and wakes the sender for the emails it may have queued. */
    void stored(String type, String outcome, boolean duplicate) {
        metrics.count(type, duplicate ? "duplicate" : outcome);
        if (!duplicate && WebhookEvents.PROCESSED.equals(outcome)) {
            afterEmails.run();
        }
    }
}
