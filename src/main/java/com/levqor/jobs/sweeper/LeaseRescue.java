package com.levqor.jobs.sweeper;

import com.levqor.jobs.JobMetrics;
import com.levqor.jobs.JobStore;
import com.levqor.jobs.model.JobState;
import com.levqor.ops.ErrorReporter;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rescues jobs whose lease expired (a crashed or hung worker): each becomes {@code failed}, due now
 * (the retry promotion is woken to queue it again), or {@code dead} when that was its last attempt
 * (reported once, told to the store's dead-job listener, the DLQ alert, and its callback woken). Every {@code SWEEPER_INTERVAL_MS}, in every process;
 * processes share the work through {@code FOR UPDATE SKIP LOCKED}.
 */
public final class LeaseRescue implements Duty {
    private static final Logger log = LoggerFactory.getLogger(LeaseRescue.class);

    private final JobStore store;
    private final JobMetrics metrics;
    private final ErrorReporter reporter;
    private final Clock clock;
    private final Duration interval;
    private final int batch;
    private final Runnable promotionWake;
    private final Runnable callbackWake;

    /**
     * @param promotionWake wakes {@link RetryPromotion} (rescued jobs are due at once)
     * @param callbackWake  wakes the callback sender (a dead job's callback became pending)
     */
    public LeaseRescue(JobStore store, JobMetrics metrics, ErrorReporter reporter, Clock clock, Duration interval,
                       int batch, Runnable promotionWake, Runnable callbackWake) {
        this.store = store;
        this.metrics = metrics;
        this.reporter = reporter;
        this.clock = clock;
        this.interval = interval;
        this.batch = batch;
        this.promotionWake = promotionWake;
        this.callbackWake = callbackWake;
    }

    @Override
    public String name() {
        return "lease-rescue";
    }

    @Override
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean runOnce() {
        List<JobStore.Rescued> rescued = store.rescueExpiredLeases(clock.instant(), batch);
        boolean dead = false;
        boolean failed = false;
        for (JobStore.Rescued r : rescued) {
            if (r.state() == JobState.DEAD) {
                metrics.finished(r.workflow(), "dead");
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("job_id", r.id().toString());
                c.put("account_id", r.accountId().toString());
                c.put("workflow", r.workflow());
                c.put("attempt", r.attempt());
                c.put("lease_owner", r.leaseOwner());
                reporter.report("job_dead", "Job " + r.id() + " (" + r.workflow() + ") is dead: its lease expired "
                        + "during its last attempt " + r.attempt() + " (worker " + r.leaseOwner() + ")", null, c);
                dead = true;
            } else {
                metrics.finished(r.workflow(), "failed");
                failed = true;
            }
        }
        if (!rescued.isEmpty()) {
            log.warn("Rescued {} job(s) whose lease expired (held by {})", rescued.size(),
                    rescued.stream().map(JobStore.Rescued::leaseOwner).distinct().toList());
        }
        if (failed) {
            promotionWake.run();
        }
        if (dead) {
            callbackWake.run();
        }
        return false;
    }
}
