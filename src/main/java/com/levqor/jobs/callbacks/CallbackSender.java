package com.levqor.jobs.callbacks;

import com.levqor.jobs.JobStore;
import com.levqor.runtime.Duty;
import com.levqor.runtime.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A callback sender: a {@link Duty} that takes due deliveries from the job rows, a few at a time,
 * and delivers them one after the other. A process runs {@code CALLBACK_SENDERS} of them (see
 * {@link #schedule}), so one slow receiver holds up one sender, never all callbacks.
 *
 * <p>Taking a delivery holds it for {@link #hold}: long enough for the whole batch to be delivered
 * within its deadline, so no other sender (of this process or another) takes it again while it is
 * in flight, which would deliver it twice. A sender that finds its hold running short stops before
 * the next delivery rather than start one that could outlive it; those wait for the hold to end.
 * Deliveries live in Postgres, so a restart delays them and loses none.
 */
public final class CallbackSender implements Duty {
    private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);
    /** Deliveries taken per round. */
    static final int BATCH = 5;
    /** Pause between rounds when nobody wakes the senders. */
    static final Duration INTERVAL = Duration.ofMillis(500);
    /** What one delivery may take beyond its deadline: the wait's grace and the outcome's write. */
    static final Duration PER_DELIVERY_SLACK = Duration.ofSeconds(5);
    /** Added once to the hold, for taking the batch and a slow database. */
    static final Duration HOLD_MARGIN = Duration.ofSeconds(30);

    private final String name;
    private final JobStore store;
    private final CallbackDelivery delivery;
    private final Clock clock;
    private final Duration hold;

    CallbackSender(String name, JobStore store, CallbackDelivery delivery, Clock clock) {
        this.name = name;
        this.store = store;
        this.delivery = delivery;
        this.clock = clock;
        this.hold = hold(delivery.deadline());
    }

    /**
     * Adds {@code senders} senders to the scheduler.
     *
     * @return what wakes them all (a job finished, a delivery is due): each looks now rather than after its pause
     */
    public static Runnable schedule(Scheduler scheduler, int senders, JobStore store, CallbackDelivery delivery,
                                    Clock clock) {
        List<Scheduler.Handle> handles = new ArrayList<>();
        for (int i = 1; i <= senders; i++) {
            handles.add(scheduler.add(new CallbackSender("callbacks-" + i, store, delivery, clock)));
        }
        List<Scheduler.Handle> all = List.copyOf(handles);
        return () -> all.forEach(Scheduler.Handle::wake);
    }

    /** How long a taken batch is held: every delivery of it at its deadline, plus slack and margin. */
    static Duration hold(Duration deadline) {
        return deadline.plus(PER_DELIVERY_SLACK).multipliedBy(BATCH).plus(HOLD_MARGIN);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration interval() {
        return INTERVAL;
    }

    @Override
    public boolean runOnce() throws InterruptedException {
        Instant taken = clock.instant();
        Instant heldUntil = taken.plus(hold);
        List<JobStore.CallbackDue> due = store.takeDueCallbacks(taken, hold, BATCH);
        for (int i = 0; i < due.size(); i++) {
            if (clock.instant().plus(delivery.deadline()).plus(PER_DELIVERY_SLACK).isAfter(heldUntil)) {
                log.warn("Callback sender {}: the hold of its batch runs short; {} deliveries wait for it to end",
                        name, due.size() - i);
                return false;
            }
            delivery.deliver(due.get(i));
        }
        return due.size() == BATCH;
    }
}
