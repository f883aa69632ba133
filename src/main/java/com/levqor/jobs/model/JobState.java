package com.levqor.jobs.model;

import java.util.Locale;
import java.util.Optional;

/**
 * The states of a job. Every transition is one named, guarded update in {@code JobStore}; nothing
 * else writes a job's state.
 */
public enum JobState {
    /**
     * Waiting to run. Entered at intake, when the sweeper promotes a due retry, when a worker
     * releases a claim at shutdown, and on a DLQ retry. Left by a claim (to running) or a cancel.
     * A queued job with {@code run_at} in the future is delayed.
     */
    QUEUED,
    /**
     * Claimed by a worker, which holds a lease on it (renewed while it runs). Left by the worker's
     * completion (succeeded, failed, dead), a cancel, a release at shutdown (queued), or by the
     * sweeper when the lease expired (failed or dead).
     */
    RUNNING,
    /** Finished with a result. Final. */
    SUCCEEDED,
    /**
     * An attempt failed and another will follow at {@code run_at} (backoff with jitter). The
     * sweeper promotes it to queued when due; a cancel ends it.
     */
    FAILED,
    /**
     * Every attempt failed: the dead-letter queue. Left only through the DLQ: retry (to queued) or
     * discard (to cancelled).
     */
    DEAD,
    /** Cancelled by its account, or discarded from the DLQ by the operator. Final. */
    CANCELLED;

    /** The name as stored and shown. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<JobState> fromWire(String s) {
        for (JobState v : values()) {
            if (v.wire().equals(s)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    public boolean isFinal() {
        return this == SUCCEEDED || this == DEAD || this == CANCELLED;
    }
}
