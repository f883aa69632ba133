package com.levqor.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.config.QueueSettings;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.jobs.callbacks.CallbackDelivery;
import com.levqor.jobs.callbacks.CallbackSender;
import com.levqor.jobs.callbacks.WebhookSigner;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.jobs.sweeper.Sweeper;
import com.levqor.jobs.workflows.Workflows;
import com.levqor.net.Egress;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.HealthService;
import com.levqor.ops.Metrics;
import com.levqor.ops.ServiceCheck;
import com.levqor.redis.RedisConnections;
import com.levqor.runtime.Scheduler;
import com.levqor.usage.UsageLedger;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs capability of one process, wired: store, workflows, dispatcher (Redis or in-process),
 * intake (serve only), workers, sweeper and callback sender. {@code levqor serve} and
 * {@code levqor worker} both build one; it stops in reverse order.
 */
public final class Jobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jobs.class);

    private final QueueSettings settings;
    private final JobStore store;
    private final Workflows workflows;
    private final JobMetrics metrics;
    private final Dispatcher dispatcher;
    private final Optional<RedisQueue> redis;
    private final Optional<RedisConnections> connections;
    private final UsageLedger usage;
    private final Intake intake;
    private final Worker worker;
    private final Scheduler scheduler = new Scheduler();
    private final Sweeper sweeper;
    private final Egress egress;
    /** How long queue counts are shared at least and at most (see {@link #counts()}). */
    static final long COUNTS_MIN_AGE_NANOS = 250_000_000L;
    static final long COUNTS_MAX_AGE_NANOS = 5_000_000_000L;
    private final Object countsLock = new Object();
    private volatile CountsAt counts;
    private final Clock clock;

    /**
     * @param withIntake true for {@code serve} (HTTP intake), false for {@code worker}
     * @param health     where to register the {@code redis} and {@code queue} checks, or null
     * @param redis      the process's Redis pool, when REDIS_URL is set (its health is started by the caller)
     */
    public Jobs(Settings all, Database database, Clock clock, ObjectMapper mapper, Metrics registry,
                ErrorReporter reporter, HealthService health, boolean withIntake, Optional<RedisConnections> redis) {
        this(all, database, clock, mapper, registry, reporter, health, withIntake, redis, DeadJobListener.NONE);
    }

    /** @param onDead told of each job that goes dead, in the transaction that records it (the DLQ alert email) */
    public Jobs(Settings all, Database database, Clock clock, ObjectMapper mapper, Metrics registry,
                ErrorReporter reporter, HealthService health, boolean withIntake, Optional<RedisConnections> redis,
                DeadJobListener onDead) {
        this.settings = all.queue();
        this.clock = clock;
        this.store = new JobStore(database.dsl(), onDead);
        this.workflows = Workflows.discover();
        this.metrics = new JobMetrics(registry.registry());
        String owner = Worker.newOwner();
        boolean localWorkers = settings.workerConcurrency() > 0;
        this.connections = redis;
        this.redis = redis.map(r -> new RedisQueue(r.client(), owner));
        this.dispatcher = new Dispatcher(this.redis, redis.map(RedisConnections::health), all.flags().newQueue(),
                new LocalQueue(), localWorkers, metrics::queueState);
        this.egress = new Egress(settings.httpAllowedHosts());
        String secret = settings.callbackSecret().orElseGet(() -> {
            log.warn("CALLBACK_SIGNING_SECRET is not set: callbacks are signed with a random secret of this process, "
                    + "which receivers cannot verify; set it to a whsec_… secret");
            return WebhookSigner.randomSecret();
        });
        RetryPolicy retries = new RetryPolicy(settings.retryBaseMillis(), settings.retryMaxMillis());
        Runnable callbackWake = CallbackSender.schedule(scheduler, settings.callbackSenders(), store,
                new CallbackDelivery(store, egress, new WebhookSigner(secret), mapper, clock,
                        settings.callbackMaxAttempts(), retries, Duration.ofSeconds(settings.callbackTimeoutSeconds())),
                clock);
        this.sweeper = Sweeper.schedule(scheduler, store, dispatcher, metrics, reporter, clock,
                Duration.ofMillis(settings.sweepIntervalMillis()), Duration.ofMillis(settings.redispatchAfterMillis()),
                callbackWake);
        metrics.countsFrom(this::counts);
        this.worker = localWorkers ? new Worker(owner, store, dispatcher, settings, clock, metrics,
                new JobExecutor(workflows, mapper, egress, retries, clock, metrics), reporter, callbackWake) : null;
        if (worker != null) {
            scheduler.add(worker.leaseKeeper());
        }
        this.usage = new UsageLedger(database.dsl(), clock, settings);
        this.intake = withIntake ? new Intake(database.dsl(), clock, store, usage, dispatcher, metrics) : null;
        if (health != null) {
            registerChecks(health);
        }
    }

    private void registerChecks(HealthService health) {
        health.register(new ServiceCheck() {
            @Override
            public String name() {
                return "redis";
            }

            @Override
            public boolean critical() {
                return false;
            }

            @Override
            public State check() {
                if (!dispatcher.redisConfigured()) {
                    return State.NOT_CONFIGURED;
                }
                return dispatcher.redisUp() ? State.OPERATIONAL : State.DOWN;
            }
        });
        health.register(new ServiceCheck() {
            @Override
            public String name() {
                return "queue";
            }

            @Override
            public boolean critical() {
                return false;
            }

            @Override
            public State check() {
                // Sync by choice is fine; sync because Redis failed is the fallback: degraded.
                return dispatcher.asyncWanted() && !dispatcher.async() ? State.DEGRADED : State.OPERATIONAL;
            }
        });
    }

    /** Starts the dispatcher's Redis checks, workers, sweeper, background duties and intake. */
    public Jobs start() {
        dispatcher.start();
        if (worker != null) {
            worker.start();
        }
        scheduler.start();
        if (intake != null) {
            intake.start();
        }
        return this;
    }

    /**
     * The answer of {@code GET /ops/queue_health} (also shown by Slack's {@code /levqor status}):
     * mode, whether Redis answers, depth (queued and due), running, retry (waiting for a retry),
     * dlq (dead), delayed, and Redis' state.
     */
    public java.util.Map<String, Object> queueHealth() {
        JobStore.Counts c = counts();
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("mode", dispatcher.mode());
        body.put("queue_available", dispatcher.redisUp());
        body.put("depth", c.depth());
        body.put("running", c.running());
        body.put("retry", c.retry());
        body.put("dlq", c.dlq());
        body.put("delayed", c.delayed());
        body.put("redis", !dispatcher.redisConfigured() ? "not_configured" : dispatcher.redisUp() ? "up" : "down");
        return body;
    }

    /**
     * The queue's counts, shared by every caller for a while: probes polling queue health in a tight
     * loop (and the metrics' gauges, when scraped) read one count instead of piling up on a busy database. A count
     * reads every waiting job, so the while grows with what the count costs: 10 times its duration,
     * at least {@link #COUNTS_MIN_AGE_NANOS} and at most {@link #COUNTS_MAX_AGE_NANOS} (a backlog of
     * 200,000 jobs took 0.46 s to count; counting it every second took a third of a database core).
     */
    private JobStore.Counts counts() {
        CountsAt c = counts;
        if (c != null && c.fresh()) {
            return c.counts();
        }
        synchronized (countsLock) {
            c = counts;
            if (c != null && c.fresh()) {
                return c.counts(); // counted by another caller while this one waited
            }
            long t0 = System.nanoTime();
            JobStore.Counts fresh = store.counts(clock.instant());
            long t1 = System.nanoTime();
            counts = new CountsAt(fresh, t1, Math.min(COUNTS_MAX_AGE_NANOS, Math.max(COUNTS_MIN_AGE_NANOS, 10 * (t1 - t0))));
            return fresh;
        }
    }

    private record CountsAt(JobStore.Counts counts, long atNanos, long maxAgeNanos) {
        boolean fresh() {
            return System.nanoTime() - atNanos < maxAgeNanos;
        }
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
        if (intake == null) {
            throw new IllegalStateException("this process has no intake (levqor worker)");
        }
        return intake;
    }

    /** Budgets and units spent per account and day. */
    public UsageLedger usage() {
        return usage;
    }

    public Sweeper sweeper() {
        return sweeper;
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
    public void cancelled(java.util.UUID id) {
        if (worker != null) {
            worker.cancelled(id);
        }
    }

    /** Stops intake, then workers (graceful; their lease keeper still runs), the duties, callbacks. */
    @Override
    public void close() {
        if (intake != null) {
            intake.close();
        }
        if (worker != null) {
            worker.close();
        }
        scheduler.close();
        egress.close();
        dispatcher.close();
    }
}
