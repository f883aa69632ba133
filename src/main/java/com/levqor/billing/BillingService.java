package com.levqor.billing;

import static com.levqor.db.jooq.Tables.ACCOUNTS;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.accounts.Plan;
import com.levqor.config.BillingSettings;
import com.levqor.db.jooq.tables.records.AccountsRecord;
import com.levqor.api.ApiException;
import com.stripe.param.checkout.SessionCreateParams;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;

/**
 * Stripe billing for API clients and the operator: Checkout for Pro, the Billing Portal, the
 * account's billing status, and {@link #sync} (re-read subscriptions from Stripe and fix plans that
 * drifted). The endpoints answer {@code 503 billing_not_configured} naming what is unset.
 */
public final class BillingService {
    /** Without an Idempotency-Key header, checkouts of one account within this window share a key. */
    static final long CHECKOUT_KEY_WINDOW_SECONDS = 600;

    /** What a sync found for one account. */
    public record SyncResult(UUID accountId, String email, String planBefore, String planAfter, String subscription,
                             String status, String outcome) {
    }

    private final BillingSettings settings;
    private final StripeGateway stripe;
    private final BillingEffects effects;
    private final DSLContext db;
    private final Clock clock;

    public BillingService(BillingSettings settings, StripeGateway stripe, BillingEffects effects, DSLContext db,
                          Clock clock) {
        this.settings = settings;
        this.stripe = stripe;
        this.effects = effects;
        this.db = db;
        this.clock = clock;
    }

    private void requireConfigured() {
        List<String> missing = settings.missing();
        if (!missing.isEmpty()) {
            Map<String, String> details = new LinkedHashMap<>();
            missing.forEach(m -> details.put(m, "is not set"));
            throw new ApiException(503, "billing_not_configured", "Billing is not configured on this server: set "
                    + String.join(", ", missing) + ".", details, Map.of());
        }
    }

    private AccountsRecord account(UUID id) {
        AccountsRecord a = db.selectFrom(ACCOUNTS).where(ACCOUNTS.ID.eq(id)).fetchOne();
        if (a == null) {
            throw ApiException.notFound("account_not_found", "Account " + id + " does not exist.");
        }
        return a;
    }

    /**
     * Creates a Checkout Session in subscription mode for {@code STRIPE_PRICE_PRO}, with the account
     * as {@code client_reference_id} (and in the subscription's metadata) and its Stripe customer
     * reused when it has one. The Idempotency-Key sent to Stripe is the client's (scoped to the
     * account) or, without one, the account and a ten-minute window: a retried request gets the
     * same session.
     */
    public Map<String, Object> checkout(UUID accountId, Optional<String> idempotencyKey) {
        requireConfigured();
        AccountsRecord a = account(accountId);
        if (Plan.PRO.wire().equals(a.getPlan())) {
            throw ApiException.conflict("already_subscribed", "Account " + accountId + " is already on the Pro plan"
                    + (a.getStripeCustomerId() != null ? "; POST /api/v1/billing/portal manages the subscription." : "."));
        }
        String base = settings.publicBase();
        SessionCreateParams.Builder p = SessionCreateParams.builder()
                .setMode(SessionCreateParams.Mode.SUBSCRIPTION)
                .addLineItem(SessionCreateParams.LineItem.builder().setPrice(settings.pricePro().orElseThrow())
                        .setQuantity(1L).build())
                .setClientReferenceId(accountId.toString())
                .putMetadata("account_id", accountId.toString())
                .setSubscriptionData(SessionCreateParams.SubscriptionData.builder()
                        .putMetadata("account_id", accountId.toString()).build())
                .setSuccessUrl(base + "/billing/success?session_id={CHECKOUT_SESSION_ID}")
                .setCancelUrl(base + "/billing/cancel");
        if (a.getStripeCustomerId() != null) {
            p.setCustomer(a.getStripeCustomerId());
        } else {
            p.setCustomerEmail(a.getEmail());
        }
        String key = "levqor-checkout:" + accountId + ":" + idempotencyKey.orElseGet(
                () -> "w" + clock.instant().getEpochSecond() / CHECKOUT_KEY_WINDOW_SECONDS);
        SessionCreateParams params = p.build();
        var session = stripe.call("checkout session", c -> c.checkout().sessions()
                .create(params, StripeGateway.idempotent(key))).orElseThrow(
                () -> new ApiException(502, "stripe_request_failed", "Stripe answered 404 to a checkout session."));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", session.getUrl());
        body.put("session_id", session.getId());
        return body;
    }

    /** A Billing Portal session for the account's Stripe customer; 404 {@code no_billing_account} without one. */
    public Map<String, Object> portal(UUID accountId) {
        requireConfigured();
        AccountsRecord a = account(accountId);
        if (a.getStripeCustomerId() == null) {
            throw ApiException.notFound("no_billing_account", "Account " + accountId
                    + " has no Stripe customer yet: POST /api/v1/billing/checkout starts a subscription.");
        }
        var params = com.stripe.param.billingportal.SessionCreateParams.builder()
                .setCustomer(a.getStripeCustomerId())
                .setReturnUrl(settings.publicBase() + "/billing")
                .build();
        var session = stripe.call("billing portal session", c -> c.billingPortal().sessions().create(params))
                .orElseThrow(() -> ApiException.notFound("no_billing_account",
                        "Stripe does not know customer " + a.getStripeCustomerId() + "."));
        return Map.of("url", session.getUrl());
    }

    /** {@code GET /api/v1/billing}: plan, subscription status, period end, cancel at period end. */
    public Map<String, Object> status(UUID accountId) {
        requireConfigured();
        AccountsRecord a = account(accountId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("plan", a.getPlan());
        body.put("subscription_status", a.getSubscriptionStatus());
        body.put("current_period_end", a.getCurrentPeriodEnd() == null ? null : a.getCurrentPeriodEnd().toInstant());
        body.put("cancel_at_period_end", a.getCancelAtPeriodEnd());
        return body;
    }

    /**
     * Re-reads from Stripe the subscription of every account that has a Stripe customer or
     * subscription (or of one account) and applies its current state, fixing plans that drifted
     * (a lost webhook). Emails follow as for webhooks (once each).
     */
    public List<SyncResult> sync(Optional<UUID> only) {
        if (!stripe.configured()) {
            throw new IllegalStateException("STRIPE_SECRET_KEY is not set: billing sync reads subscriptions from Stripe");
        }
        Condition which = only.map(ACCOUNTS.ID::eq).orElse(
                ACCOUNTS.STRIPE_CUSTOMER_ID.isNotNull().or(ACCOUNTS.STRIPE_SUBSCRIPTION_ID.isNotNull()));
        List<SyncResult> out = new ArrayList<>();
        for (AccountsRecord a : db.selectFrom(ACCOUNTS).where(which).orderBy(ACCOUNTS.CREATED_AT).fetch()) {
            Instant readAt = clock.instant();
            Optional<JsonNode> sub = Optional.empty();
            if (a.getStripeSubscriptionId() != null) {
                sub = stripe.subscription(a.getStripeSubscriptionId());
            }
            if (sub.isEmpty() && a.getStripeCustomerId() != null) {
                sub = stripe.newestSubscription(a.getStripeCustomerId());
            }
            if (sub.isEmpty()) {
                out.add(new SyncResult(a.getId(), a.getEmail(), a.getPlan(), a.getPlan(), null, null,
                        "no subscription in Stripe"));
                continue;
            }
            JsonNode s = sub.get();
            String outcome = db.transactionResult(tx -> effects.subscription(tx.dsl(), readAt, s, false));
            String after = db.select(ACCOUNTS.PLAN).from(ACCOUNTS).where(ACCOUNTS.ID.eq(a.getId())).fetchOne().value1();
            out.add(new SyncResult(a.getId(), a.getEmail(), a.getPlan(), after, StripeObjects.text(s, "id"),
                    StripeObjects.text(s, "status"), after.equals(a.getPlan()) ? outcome : "fixed"));
        }
        return out;
    }
}
