package com.levqor.status;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A scheduled maintenance window. Its phase follows the clock: nothing closes it but time (or a
 * cancellation, after which it is no longer shown).
 */
public record Maintenance(UUID id, String title, List<Component> components, String message, Instant startsAt,
                          Instant endsAt, Instant createdAt, Instant cancelledAt) {
    public Maintenance {
        components = List.copyOf(components);
    }

    /** Where a window stands at a moment, in Statuspage's words. */
    public enum Phase {
        SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Phase phase(Instant now) {
        if (cancelledAt != null) {
            return Phase.CANCELLED;
        }
        if (now.isBefore(startsAt)) {
            return Phase.SCHEDULED;
        }
        return now.isBefore(endsAt) ? Phase.IN_PROGRESS : Phase.COMPLETED;
    }
}
