package com.levqor.runtime;

import java.time.Duration;

/**
 * One background duty of the process (the lease rescue, retry promotion, callback delivery, the
 * email sender…): a round of work that the {@link Scheduler} runs again and again on its own
 * thread, every {@link #interval()} and at once when {@link Scheduler.Handle#wake() woken}.
 * Implementations do the round and throw on failure; the scheduler logs the failure and carries on.
 */
public interface Duty {
    /** Short name: the thread is {@code levqor-<name>}, and log lines name it. */
    String name();

    /** The pause between rounds when nobody wakes the duty. */
    Duration interval();

    /**
     * One round.
     *
     * @return true when there is more to do right away (e.g. a full batch was taken): the next round
     *         then starts without a pause
     */
    boolean runOnce() throws Exception;

    /**
     * Whether the first round may wait out the moment the composition root gives a freshly started
     * server ({@link Scheduler#releaseFirstRounds(Duration)}). False for a duty that keeps running work
     * alive (the leases of claimed jobs, the liveness heartbeat): its first round comes as soon as every
     * part has started.
     */
    default boolean deferrable() {
        return true;
    }

    /** Called once on the duty's thread when the scheduler stops, after its last round. */
    default void stopped() {
    }
}
