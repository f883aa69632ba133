package com.levqor.status;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The runbook's two status-page templates, for {@code "template":"minor"|"major"}: they fill every
 * field of a new incident the request leaves out.
 */
enum RunbookTemplate {
    /** "Status Page Update (Minor Incident)". */
    MINOR("API Performance Degradation", Impact.MINOR, List.of(Component.API), IncidentStatus.INVESTIGATING,
            "We're investigating reports of slow API responses. The system remains operational and all data is safe. "
                    + "We'll update this status as we learn more.",
            null, null),
    /** "Status Page Update (Major Incident)". */
    MAJOR("Payment Processing Delays", Impact.MAJOR, List.of(Component.PAYMENTS), IncidentStatus.IDENTIFIED,
            "We've identified an issue affecting payment confirmations. Payments are being processed successfully, "
                    + "but confirmation emails may be delayed. We're working on a fix.",
            "Check your Stripe dashboard for payment status.", 30);

    final String title;
    final Impact impact;
    final List<Component> components;
    final IncidentStatus status;
    final String message;
    final String workaround;
    final Integer nextUpdateMinutes;

    RunbookTemplate(String title, Impact impact, List<Component> components, IncidentStatus status, String message,
                    String workaround, Integer nextUpdateMinutes) {
        this.title = title;
        this.impact = impact;
        this.components = components;
        this.status = status;
        this.message = message;
        this.workaround = workaround;
        this.nextUpdateMinutes = nextUpdateMinutes;
    }

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<RunbookTemplate> fromWire(String word) {
        for (RunbookTemplate t : values()) {
            if (t.wire().equals(word)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
