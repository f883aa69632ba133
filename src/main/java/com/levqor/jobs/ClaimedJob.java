package com.levqor.jobs;

import com.levqor.jobs.model.Priority;

import java.time.Instant;
import java.util.UUID;

/**
 * A job a worker won the claim of: everything needed to run it and to record the outcome.
 * {@code attempt} is the fencing token of the completion.
 */
public record ClaimedJob(UUID id, UUID accountId, String workflow, String payloadJson, Priority priority,
                         int attempt, int attemptOffset, int maxAttempts, int timeoutSeconds, Instant runAt,
                         Instant startedAt, boolean hasCallback) {

    /** Attempts counted against {@code max_attempts}, this one included. */
    public int attemptsUsed() {
        return attempt - attemptOffset;
    }

    public boolean lastAttempt() {
        return attemptsUsed() >= maxAttempts;
    }
}
