package com.levqor.billing;

import com.levqor.ops.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.Set;

/** {@code levqor_billing_events_total{type,outcome}}: Stripe events received, by type and what they did. */
public final class BillingMetrics {
    /** Types counted by name; any other (a stranger's with verification off, too) is {@code other}. */
    private static final Set<String> TYPES = Set.of("checkout.session.completed", "customer.subscription.created",
            "customer.subscription.updated", "customer.subscription.deleted", "invoice.paid",
            "invoice.payment_failed");
    private final Counter events;

    public BillingMetrics(Metrics metrics) {
        events = Counter.builder()
                .name("levqor_billing_events_total")
                .help("Stripe events by type and outcome (processed, ignored, unhandled, unconfirmed, duplicate)")
                .labelNames("type", "outcome")
                .register(metrics.registry());
    }

    public void count(String type, String outcome) {
        events.labelValues(TYPES.contains(type) ? type : "other", outcome).inc();
    }
}
