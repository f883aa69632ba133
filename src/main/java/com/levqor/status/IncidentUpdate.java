package com.levqor.status;

import java.time.Instant;
import java.util.UUID;

/**
 * One update posted on an incident (the first is posted with it).
 *
 * @param text the update as it was posted, in the runbook's status-page format
 */
public record IncidentUpdate(UUID id, UUID incidentId, IncidentStatus status, String message, String workaround,
                             String rootCause, String fix, Integer nextUpdateMinutes, String text, Instant createdAt) {
}
