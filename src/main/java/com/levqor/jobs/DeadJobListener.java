package com.levqor.jobs;

import java.time.Instant;
import org.jooq.DSLContext;

/**
 * Told when a job goes {@code dead}, inside the transaction that records it: its last attempt failed
 * (a worker's outcome), or its lease expired during its last attempt (the sweeper's rescue). What it
 * writes (e.g. an alert email in the outbox) commits with the job's state or not at all; a job goes
 * dead once per round of attempts, so it is told once.
 */
@FunctionalInterface
public interface DeadJobListener {
    DeadJobListener NONE = (tx, job, error, at) -> { };

    void died(DSLContext tx, ClaimedJob job, String error, Instant at);
}
