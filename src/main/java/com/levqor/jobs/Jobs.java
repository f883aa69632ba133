package com.levqor.jobs;

import com.levqor.config.QueueSettings;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.workflows.Workflows;
import com.levqor.usage.UsageLedger;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/**
 * The jobs capability of one process, as the HTTP handlers and tests reach it: store, workflows,
 * dispatcher, intake (serve only), this process's worker (when it runs workers), the usage ledger
 * and the queue's health. It builds and starts nothing: the composition root
 * ({@code com.levqor.app.Levqor}) builds the parts and owns their lifecycle.
 */
public final class Jobs {
    private final QueueSettings settings;
    private final Clock clock;
    private final JobStore store;
    private final Workflows workflows;
    private final JobMetrics metrics;
    private final Dispatcher dispatcher;
    private final UsageLedger usage;
    private final QueueHealth queueHealth;
    private final Optional<Intake> intake;
    private final Optional<Worker> worker;

    public Jobs(QueueSettings settings, Clock clock, JobStore store, Workflows workflows, JobMetrics metrics,
                Dispatcher dispatcher, UsageLedger usage, QueueHealth queueHealth, Optional<Intake> intake,
                Optional<Worker> worker) {
        this.settings = settings;
        this.clock = clock;
        this.store = store;
        this.workflows = workflows;
        this.metrics = metrics;
        this.dispatcher = dispatcher;
        this.usage = usage;
        this.queueHealth = queueHealth;
        this.intake = intake;
        this.worker = worker;
    }

    /**
     * Renders the job and usage statements now rather than at the first job (the composition root
     * calls it once the server answers: rendering them took a tenth of a second of the cold start).
     */
    public void prepareStatements() {
        store.prepareStatements();
        usage.prepareStatements();
    }

    /** The answer of {@code GET /ops/queue_health} (see {@link QueueHealth#body()}). */
    public java.util.Map<String, Object> queueHealth() {
        return queueHealth.body();
    }

    public JobStore store() {
        return store;
    }

    public Workflows workflows() {
        return workflows;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public Intake intake() {
        return intake.orElseThrow(() -> new IllegalStateException("this process has no intake (levqor worker)"));
    }

    /** Budgets and units spent per account and day. */
    public UsageLedger usage() {
        return usage;
    }

    public QueueSettings settings() {
        return settings;
    }

    public Clock clock() {
        return clock;
    }

    public JobMetrics metrics() {
        return metrics;
    }

    /** Tells this process's worker that a job was cancelled (stops it now if it runs here). */
    public void cancelled(UUID id) {
        worker.ifPresent(w -> w.cancelled(id));
    }
}
