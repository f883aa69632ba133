package com.levqor.email;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the outbox as the sender and {@code GET /ops/emails} see it.
 *
 * @param status    {@code queued}, {@code sent} or {@code failed}
 * @param modelJson the template's model as JSON
 */
public record OutboxEmail(UUID id, String template, String recipient, String modelJson, String dedupeKey,
                          String status, int attempts, Instant nextAttemptAt, Instant createdAt, Instant sentAt,
                          String providerId, String lastError) {
}
