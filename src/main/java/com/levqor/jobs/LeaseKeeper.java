package com.levqor.jobs;

import com.levqor.jobs.queue.Dispatcher;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease keeper of this process's {@link Worker}: every {@link #TIMEOUT_CHECK} it interrupts runs
 * past their {@code timeout_seconds}; every third of a lease (at least every 200 ms) it renews the
 * leases of the jobs the worker holds, stops those whose lease was lost (rescued by a sweeper) or
 * that were cancelled, and in async mode renews the worker's Redis heartbeat (which keeps its
 * processing list from being requeued as a crashed worker's). It must keep running while the worker
 * closes (running jobs finish within the grace period): the scheduler that runs it closes after the
 * worker.
 */
final class LeaseKeeper implements Duty {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    /** How often runs are checked against their timeout. */
    static final Duration TIMEOUT_CHECK = Duration.ofMillis(50);

    private final String owner;
    private final JobStore store;
    private final Dispatcher dispatcher;
    private final Clock clock;
    private final Duration lease;
    private final Map<UUID, RunningJob> held;
    private final long renewEveryNanos;
    /** When the next renewal is due (System.nanoTime); 0 before the first round. Only the duty's thread uses it. */
    private long nextRenewNanos;
    private volatile boolean closed;

    LeaseKeeper(String owner, JobStore store, Dispatcher dispatcher, Clock clock, Duration lease,
                Map<UUID, RunningJob> held) {
        this.owner = owner;
        this.store = store;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.lease = lease;
        this.held = held;
        this.renewEveryNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(200, lease.toMillis() / 3));
    }

    @Override
    public String name() {
        return "lease-keeper";
    }

    /** Not deferred after the start: the leases of the jobs this process runs: a job claimed right after the start must not outlive its lease. */
    @Override
    public boolean deferrable() {
        return false;
    }

    @Override
    public Duration interval() {
        return TIMEOUT_CHECK;
    }

    @Override
    public boolean runOnce() {
        if (closed) {
            return false;
        }
        long now = System.nanoTime();
        for (RunningJob r : held.values()) {
            if (r.running() && now - r.deadlineNanos() > 0) {
                r.interrupt(RunningJob.Stop.TIMEOUT);
            }
        }
        if (nextRenewNanos == 0) {
            nextRenewNanos = now + renewEveryNanos;
        } else if (now - nextRenewNanos > 0) {
            nextRenewNanos = now + renewEveryNanos;
            renew();
        }
        return false;
    }

    private void renew() {
        if (dispatcher.async()) {
            dispatcher.redis().ifPresent(q -> {
                try {
                    q.heartbeat();
                } catch (RuntimeException e) {
                    dispatcher.redisFailed(e);
                }
            });
        }
        List<UUID> ids = new ArrayList<>(held.keySet());
        if (ids.isEmpty()) {
            return;
        }
        try {
            Set<UUID> still = store.renewLeases(owner, ids, clock.instant(), lease);
            for (UUID id : ids) {
                if (!still.contains(id)) {
                    RunningJob r = held.get(id);
                    if (r != null) {
                        r.interrupt(RunningJob.Stop.LEASE_LOST);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("Renewing {} lease(s) failed: {}", ids.size(), e.getMessage());
        }
    }

    /** The worker has stopped: nothing is held any more, and its heartbeat must lapse. */
    void close() {
        closed = true;
    }
}
