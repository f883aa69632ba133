package com.levqor.billing;

import static com.levqor.db.jooq.Tables.ACCOUNTS;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.accounts.Plan;
import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.AccountsRecord;
import com.levqor.email.Email;
import com.levqor.email.Outbox;
import com.levqor.email.Templates;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The effects of Stripe's objects on accounts, applied inside the caller's transaction (the webhook
 * event row's, or a sync's), with the emails they cause queued in the same transaction:
 * <ul>
 *   <li>a completed Checkout Session links the customer and subscription to the account named by
 *       {@code client_reference_id}, and a paid one makes it {@code pro};</li>
 *   <li>a subscription sets the plan from its status: active or trialing → {@code pro}; past_due →
 *       the plan stays and a payment-failed email goes out; unpaid, canceled, incomplete_expired
 *       (or deleted) → {@code free} and a downgrade email; other statuses leave the plan;</li>
 *   <li>{@code invoice.paid} → a payment confirmation; {@code invoice.payment_failed} → a
 *       payment-failed email (one per invoice: the subscription's past_due shares its dedupe key).</li>
 * </ul>
 * Stripe delivers out of order and more than once: a state is applied only when its Stripe time
 * ({@code created} of the event) is not older than the one last applied to the account
 * ({@code billing_state_at}), and a canceled subscription is never brought back by an older-looking
 * event of the same second.
 */
public final class BillingEffects {
    public static final String PROCESSED = "processed";
    public static final String IGNORED = "ignored";
    public static final String UNHANDLED = "unhandled";
    private static final Set<String> PRO = Set.of("active", "trialing");
    private static final Set<String> FREE = Set.of("unpaid", "canceled", "incomplete_expired");
    private static final Set<String> ENDED = Set.of("canceled", "incomplete_expired");

    private final Outbox outbox;
    private final Clock clock;

    public BillingEffects(Outbox outbox, Clock clock) {
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * Applies one Stripe event ({@code type}, its {@code created} time and {@code data.object}) in
     * {@code t}; returns {@code processed}, {@code ignored} (unknown account, stale) or {@code unhandled}.
     */
    public String applyEvent(DSLContext t, String type, Instant created, JsonNode object) {
        return switch (type) {
            case "checkout.session.completed" -> checkoutCompleted(t, created, object);
            case "customer.subscription.created", "customer.subscription.updated" ->
                    subscription(t, created, object, false);
            case "customer.subscription.deleted" -> subscription(t, created, object, true);
            case "invoice.paid" -> invoicePaid(t, object);
            case "invoice.payment_failed" -> invoiceFailed(t, object);
            default -> UNHANDLED;
        };
    }

    private String checkoutCompleted(DSLContext t, Instant created, JsonNode session) {
        String ref = StripeObjects.text(session, "client_reference_id");
        if (ref == null) {
            ref = StripeObjects.text(session.path("metadata"), "account_id");
        }
        UUID accountId = Uuids.parseOrNull(ref);
        AccountsRecord a = accountId == null ? null : t.selectFrom(ACCOUNTS).where(ACCOUNTS.ID.eq(accountId))
                .forUpdate().fetchOne();
        if (a == null) {
            a = byCustomer(t, StripeObjects.text(session, "customer"));
        }
        if (a == null) {
            return IGNORED;
        }
        String customer = StripeObjects.text(session, "customer");
        if (customer != null && a.getStripeCustomerId() == null) {
            a.setStripeCustomerId(customer);
        }
        String subscription = StripeObjects.text(session, "subscription");
        if (subscription != null && (a.getStripeSubscriptionId() == null || !stale(a, created))) {
            a.setStripeSubscriptionId(subscription);
        }
        String paid = StripeObjects.text(session, "payment_status");
        if (paid == null || paid.equals("paid") || paid.equals("no_payment_required")) {
            if (!stale(a, created)) {
                a.setPlan(Plan.PRO.wire());
                if (a.getSubscriptionStatus() == null || ENDED.contains(a.getSubscriptionStatus())) {
                    a.setSubscriptionStatus("active");
                }
                if (created != null) {
                    a.setBillingStateAt(at(created));
                }
            }
        }
        save(a);
        return PROCESSED;
    }

    /**
     * Applies a subscription's state as of {@code asOf} (the event's time, or the moment a sync read
     * it); returns {@code processed} or {@code ignored}.
     */
    public String subscription(DSLContext t, Instant asOf, JsonNode sub, boolean deleted) {
        String subId = StripeObjects.text(sub, "id");
        AccountsRecord a = null;
        UUID ref = Uuids.parseOrNull(StripeObjects.text(sub.path("metadata"), "account_id"));
        if (ref != null) {
            a = t.selectFrom(ACCOUNTS).where(ACCOUNTS.ID.eq(ref)).forUpdate().fetchOne();
        }
        if (a == null) {
            a = byCustomer(t, StripeObjects.text(sub, "customer"));
        }
        if (a == null && subId != null) {
            a = t.selectFrom(ACCOUNTS).where(ACCOUNTS.STRIPE_SUBSCRIPTION_ID.eq(subId)).forUpdate().fetchOne();
        }
        if (a == null) {
            return IGNORED;
        }
        String status = deleted ? "canceled" : StripeObjects.text(sub, "status");
        if (status == null || stale(a, asOf)) {
            return IGNORED;
        }
        boolean sameSubscription = subId != null && subId.equals(a.getStripeSubscriptionId());
        if (sameSubscription && ENDED.contains(a.getSubscriptionStatus()) && !ENDED.contains(status)) {
            return IGNORED; // a canceled subscription never comes back: this is an older state of the same second
        }
        if (!sameSubscription && a.getStripeSubscriptionId() != null && ENDED.contains(status)
                && !ENDED.contains(a.getSubscriptionStatus())) {
            return IGNORED; // an old subscription ending does not end the account's current one
        }
        String oldPlan = a.getPlan();
        String oldStatus = a.getSubscriptionStatus();
        String customer = StripeObjects.text(sub, "customer");
        if (customer != null && a.getStripeCustomerId() == null) {
            a.setStripeCustomerId(customer);
        }
        if (subId != null) {
            a.setStripeSubscriptionId(subId);
        }
        a.setSubscriptionStatus(status);
        Instant periodEnd = StripeObjects.currentPeriodEnd(sub);
        if (periodEnd != null) {
            a.setCurrentPeriodEnd(at(periodEnd));
        }
        a.setCancelAtPeriodEnd(sub.path("cancel_at_period_end").asBoolean(false));
        if (asOf != null) {
            a.setBillingStateAt(at(asOf));
        }
        if (PRO.contains(status)) {
            a.setPlan(Plan.PRO.wire());
        } else if (FREE.contains(status)) {
            a.setPlan(Plan.FREE.wire());
        }
        save(a);
        if (Plan.PRO.wire().equals(oldPlan) && Plan.FREE.wire().equals(a.getPlan())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", deleted ? "subscription canceled" : "subscription " + status.replace('_', ' '));
            m.put("plan_name", "Free");
            outbox.queue(t, Email.of(Templates.PLAN_DOWNGRADED, a.getEmail(), m)
                    .dedupedBy("plan_downgraded:" + subId + ":" + status));
        }
        if ("past_due".equals(status) && !"past_due".equals(oldStatus)) {
            String invoice = StripeObjects.text(sub, "latest_invoice");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("plan_name", "Pro");
            outbox.queue(t, Email.of(Templates.PAYMENT_FAILED, a.getEmail(), m).dedupedBy("payment_failed:"
                    + (invoice != null ? invoice : subId + ":" + (periodEnd == null ? "" : periodEnd.getEpochSecond()))));
        }
        return PROCESSED;
    }

    private String invoicePaid(DSLContext t, JsonNode invoice) {
        AccountsRecord a = byCustomer(t, StripeObjects.text(invoice, "customer"));
        String id = StripeObjects.text(invoice, "id");
        if (a == null || id == null) {
            return IGNORED;
        }
        long paid = invoice.path("amount_paid").asLong(0);
        if (paid <= 0) {
            return IGNORED; // a free trial's invoice: nothing was paid, nothing to confirm
        }
        Instant[] period = StripeObjects.invoicePeriod(invoice);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("amount", StripeObjects.money(paid, StripeObjects.text(invoice, "currency")));
        m.put("plan_name", "Pro");
        m.put("period_start", period[0] == null ? "" : period[0].toString().substring(0, 10));
        m.put("period_end", period[1] == null ? "" : period[1].toString().substring(0, 10));
        m.put("invoice_url", StripeObjects.text(invoice, "hosted_invoice_url"));
        m.put("invoice_id", id);
        outbox.queue(t, Email.of(Templates.PAYMENT_CONFIRMATION, a.getEmail(), m).dedupedBy("invoice_paid:" + id));
        return PROCESSED;
    }

    private String invoiceFailed(DSLContext t, JsonNode invoice) {
        AccountsRecord a = byCustomer(t, StripeObjects.text(invoice, "customer"));
        String id = StripeObjects.text(invoice, "id");
        if (a == null || id == null) {
            return IGNORED;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        long due = invoice.path("amount_due").asLong(0);
        if (due > 0) {
            m.put("amount", StripeObjects.money(due, StripeObjects.text(invoice, "currency")));
        }
        m.put("plan_name", "Pro");
        m.put("invoice_url", StripeObjects.text(invoice, "hosted_invoice_url"));
        outbox.queue(t, Email.of(Templates.PAYMENT_FAILED, a.getEmail(), m).dedupedBy("payment_failed:" + id));
        return PROCESSED;
    }

    private static AccountsRecord byCustomer(DSLContext t, String customer) {
        return customer == null ? null
                : t.selectFrom(ACCOUNTS).where(ACCOUNTS.STRIPE_CUSTOMER_ID.eq(customer)).forUpdate().fetchOne();
    }

    /** True when the account already has a state from after {@code asOf}. */
    private static boolean stale(AccountsRecord a, Instant asOf) {
        return a.getBillingStateAt() != null && asOf != null && a.getBillingStateAt().toInstant().isAfter(asOf);
    }

    private void save(AccountsRecord a) {
        if (a.changed()) {
            OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
            if (now.isAfter(a.getCreatedAt())) {
                a.setUpdatedAt(now);
            }
            a.update();
        }
    }

    private static OffsetDateTime at(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }
}
