package com.levqor.jobs;

import java.util.UUID;

/** What intake answers for one job. */
public sealed interface IntakeResult {
    /** Committed: 202. */
    record Created(UUID jobId) implements IntakeResult {
    }

    /** The idempotency key named an earlier job of the account: 200 with that job. */
    record Existing(UUID jobId, String status) implements IntakeResult {
    }

    /** Over the plan's daily budget: 402. */
    record OverBudget(long used, long budget, long cost) implements IntakeResult {
    }

    /** The database refused the payload itself (e.g. text Postgres cannot store): 400. */
    record Rejected(String message) implements IntakeResult {
    }
}
