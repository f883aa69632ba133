package com.levqor.jobs;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Job metrics: enqueued and finished by workflow and outcome, run duration and queue wait, queue
 * and DLQ depth, queue mode and Redis reachability.
 */
public final class JobMetrics {
    private static final double[] DURATION_BUCKETS = {
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

    private final Counter enqueued;
    private final Counter finished;
    private final Histogram runDuration;
    private final Histogram queueWait;
    private final Gauge depth;
    private final Gauge running;
    private final Gauge retry;
    private final Gauge dlq;
    private final Gauge mode;
    private final Gauge redisUp;
    private final Histogram intakeBatch;
    private final Histogram claimBatch;

    public JobMetrics(PrometheusRegistry registry) {
        enqueued = Counter.builder().name("levqor_jobs_enqueued_total")
                .help("Jobs accepted at intake, by workflow").labelNames("workflow").register(registry);
        finished = Counter.builder().name("levqor_jobs_finished_total")
                .help("Job attempts finished, by workflow and outcome (succeeded, failed, dead, cancelled, released)")
                .labelNames("workflow", "outcome").register(registry);
        runDuration = Histogram.builder().name("levqor_job_run_duration_seconds")
                .help("Run time of one attempt in seconds, by workflow").labelNames("workflow")
                .classicUpperBounds(DURATION_BUCKETS).classicOnly().register(registry);
        queueWait = Histogram.builder().name("levqor_job_queue_wait_seconds")
                .help("Time from due (run_at) to claimed, in seconds, by workflow").labelNames("workflow")
                .classicUpperBounds(DURATION_BUCKETS).classicOnly().register(registry);
        depth = Gauge.builder().name("levqor_queue_depth").help("Queued jobs that are due").register(registry);
        running = Gauge.builder().name("levqor_jobs_running").help("Jobs running (claimed)").register(registry);
        retry = Gauge.builder().name("levqor_jobs_retry_waiting").help("Failed jobs waiting for a retry")
                .register(registry);
        dlq = Gauge.builder().name("levqor_dlq_depth").help("Dead jobs (the DLQ)").register(registry);
        mode = Gauge.builder().name("levqor_queue_mode").help("1 for the queue's current mode (async or sync)")
                .labelNames("mode").register(registry);
        redisUp = Gauge.builder().name("levqor_redis_up")
                .help("1 when Redis answered the last check, 0 when not (or not configured)").register(registry);
        intakeBatch = Histogram.builder().name("levqor_intake_batch_size")
                .help("Jobs written per intake commit (group commit)")
                .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000).classicOnly().register(registry);
        claimBatch = Histogram.builder().name("levqor_claim_batch_size")
                .help("Jobs won per claim statement")
                .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256).classicOnly().register(registry);
        mode.labelValues("sync").set(1);
        mode.labelValues("async").set(0);
    }

    /**
     * The series of one workflow, looked up once (workflow names are the known workflows, so this
     * stays small): every job touches three or four of them.
     */
    private record Series(CounterDataPoint enqueued, DistributionDataPoint ran, DistributionDataPoint waited,
                          Map<String, CounterDataPoint> finished) {
    }

    private final Map<String, Series> series = new ConcurrentHashMap<>();

    private Series of(String workflow) {
        Series s = series.get(workflow);
        return s != null ? s : series.computeIfAbsent(workflow, w -> new Series(enqueued.labelValues(w),
                runDuration.labelValues(w), queueWait.labelValues(w), new ConcurrentHashMap<>()));
    }

    public void enqueued(String workflow) {
        of(workflow).enqueued().inc();
    }

    public void finished(String workflow, String outcome) {
        of(workflow).finished().computeIfAbsent(outcome, o -> finished.labelValues(workflow, o)).inc();
    }

    public void ran(String workflow, double seconds) {
        of(workflow).ran().observe(seconds);
    }

    public void waited(String workflow, double seconds) {
        of(workflow).waited().observe(Math.max(0, seconds));
    }

    public void intakeBatch(int size) {
        intakeBatch.observe(size);
    }

    public void claimBatch(int size) {
        claimBatch.observe(size);
    }

    public void counts(JobStore.Counts c) {
        depth.set(c.depth());
        running.set(c.running());
        retry.set(c.retry());
        dlq.set(c.dlq());
    }

    public void mode(boolean async) {
        mode.labelValues("async").set(async ? 1 : 0);
        mode.labelValues("sync").set(async ? 0 : 1);
    }

    public void redisUp(boolean up) {
        redisUp.set(up ? 1 : 0);
    }
}
