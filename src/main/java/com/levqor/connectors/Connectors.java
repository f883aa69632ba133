package com.levqor.connectors;

import com.levqor.config.Settings;
import com.levqor.ops.HealthService;
import com.levqor.ops.Metrics;
import com.levqor.ops.ServiceCheck;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The external services of one process for {@code GET /ops/connectors} (the runbook's "check
 * connector status"): Stripe and Resend, each a {@link Connector} with its circuit breaker; Slack
 * and Sentry, shown as configured or not. Also {@code levqor_connector_up{connector}} (configured
 * connectors only: 1 ok, 0 failing) and the {@code payments} and {@code email} checks of
 * {@code /ops/uptime}, {@code degraded} while their circuit is open.
 */
public final class Connectors {
    public static final String STRIPE = "stripe";
    public static final String RESEND = "resend";

    /** The outbox figures shown under {@code resend}. */
    public record OutboxFigures(int queued, int failed, long oldestQueuedAgeSeconds) {
    }

    private final Connector stripe;
    private final Connector resend;
    private final boolean slackConfigured;
    private final boolean sentryConfigured;

    public Connectors(Settings settings, Clock clock) {
        this.stripe = new Connector(STRIPE, settings.billing().secretKey().isPresent(), settings.connectors(), clock);
        this.resend = new Connector(RESEND, settings.email().configured(), settings.connectors(), clock);
        this.slackConfigured = settings.edge().slackSigningSecret().isPresent();
        this.sentryConfigured = settings.ops().sentryDsn().isPresent();
    }

    public Connector stripe() {
        return stripe;
    }

    public Connector resend() {
        return resend;
    }

    /** The answer of {@code GET /ops/connectors}, with the email outbox's figures under {@code resend}. */
    public Map<String, Object> view(OutboxFigures o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(STRIPE, view(stripe));
        Map<String, Object> r = view(resend);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("queued", o.queued());
        figures.put("failed", o.failed());
        figures.put("oldest_queued_age_seconds", o.oldestQueuedAgeSeconds());
        r.put("outbox", figures);
        m.put(RESEND, r);
        m.put("slack", Map.of("state", slackConfigured ? "ok" : "not_configured"));
        m.put("sentry", Map.of("state", sentryConfigured ? "ok" : "not_configured"));
        return m;
    }

    private static Map<String, Object> view(Connector c) {
        Connector.Status s = c.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", s.state().wire());
        m.put("last_success_at", s.lastSuccessAt());
        m.put("last_failure_at", s.lastFailureAt());
        m.put("last_error", s.lastError());
        m.put("circuit", s.circuit());
        return m;
    }

    /** Registers {@code levqor_connector_up} and the uptime checks {@code payments} and {@code email}. */
    public void register(Metrics metrics, HealthService health) {
        GaugeWithCallback.builder()
                .name("levqor_connector_up")
                .help("1 when a configured external service answers, 0 while it fails (Stripe, Resend)")
                .labelNames("connector")
                .callback(cb -> {
                    for (Connector c : new Connector[] {stripe, resend}) {
                        if (c.configured()) {
                            cb.call(c.status().state() == Connector.State.OK ? 1 : 0, c.name());
                        }
                    }
                })
                .register(metrics.registry());
        health.register(check("payments", stripe));
        health.register(check("email", resend));
    }

    private static ServiceCheck check(String name, Connector c) {
        return new ServiceCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean critical() {
                return false;
            }

            @Override
            public State check() {
                if (!c.configured()) {
                    return State.NOT_CONFIGURED;
                }
                return c.circuitOpen() ? State.DEGRADED : State.OPERATIONAL;
            }
        };
    }
}
