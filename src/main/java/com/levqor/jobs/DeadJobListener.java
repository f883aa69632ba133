package com.levqor.jobs;

import java.time.Instant;
import org.jooq.DSLContext;

/**
 * Told when a job's last attempt fails and it goes {@code dead}, inside the transaction that records
 * it: what it writes (e.g. an alert email in the outbox) commits with the job's state or not at all.
 */
@FunctionalInterface
public interface DeadJobListener {
    DeadJobListener NONE = (tx, job, error, at) -> { };

    void died(DSLContext tx, ClaimedJob job, String error, Instant at);
}
