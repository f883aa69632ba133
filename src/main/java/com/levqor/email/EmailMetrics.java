package com.levqor.email;

import com.levqor.ops.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.function.Supplier;

/**
 * {@code levqor_emails_total{template,outcome}} (sent, failed, retried) and the outbox gauges
 * {@code levqor_email_outbox_depth} and {@code levqor_email_oldest_queued_age_seconds}, read from
 * the database at each scrape (every instance shows the shared outbox).
 */
public final class EmailMetrics {
    private final Counter emails;

    public EmailMetrics(Metrics metrics, Supplier<Outbox.Counts> counts) {
        emails = Counter.builder()
                .name("levqor_emails_total")
                .help("Emails by template and outcome of the attempt: sent, failed (given up), retried")
                .labelNames("template", "outcome")
                .register(metrics.registry());
        GaugeWithCallback.builder()
                .name("levqor_email_outbox_depth")
                .help("Emails queued in the outbox, waiting to be sent")
                .callback(cb -> cb.call(counts.get().queued()))
                .register(metrics.registry());
        GaugeWithCallback.builder()
                .name("levqor_email_oldest_queued_age_seconds")
                .help("Age in seconds of the oldest queued email (0 when none waits)")
                .callback(cb -> cb.call(counts.get().oldestQueuedAgeSeconds()))
                .register(metrics.registry());
    }

    void count(String template, String outcome) {
        emails.labelValues(template, outcome).inc();
    }
}
