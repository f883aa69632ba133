package com.levqor.jobs;

import com.levqor.jobs.model.Priority;

import com.levqor.accounts.Plan;
import java.time.Instant;
import java.util.UUID;

/** A validated intake request, ready to be written. */
public record NewJob(UUID accountId, Plan plan, String workflow, String payloadJson, Priority priority, Instant runAt,
                     int maxAttempts, int timeoutSeconds, String idempotencyKey, String callbackUrl, int cost) {
}
