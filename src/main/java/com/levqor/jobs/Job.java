package com.levqor.jobs;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.UUID;

/** A job as {@code GET /api/v1/status/{job_id}} and the lists show it (snake_case on the wire). */
public record Job(UUID jobId, String workflow, String status, String priority, int attempts, int maxAttempts,
                  int timeoutSeconds, Instant createdAt, Instant runAt, Instant startedAt, Instant finishedAt,
                  @JsonRawValue String result, String lastError, String idempotencyKey, String callbackUrl,
                  String callbackState, int cost) {
}
