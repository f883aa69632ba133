package com.levqor.status;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An incident with its updates, newest first.
 *
 * @param resolvedAt when it was resolved; null while it is open
 */
public record Incident(UUID id, String title, Impact impact, List<Component> components, IncidentStatus status,
                       Instant createdAt, Instant updatedAt, Instant resolvedAt, List<IncidentUpdate> updates) {
    public Incident {
        components = List.copyOf(components);
        updates = List.copyOf(updates);
    }

    public boolean open() {
        return status != IncidentStatus.RESOLVED;
    }

    /** The text of the newest update (what the status page shows first). */
    public String text() {
        return updates.isEmpty() ? "" : updates.get(0).text();
    }
}
