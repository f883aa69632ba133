package com.levqor.jobs;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Job metrics: enqueued and finished by workflow and outcome, run duration and queue wait, queue
 * and DLQ depth, queue mode and Redis reachability.
 */
public final class JobMetrics {
    private static final Logger log = LoggerFactory.getLogger(JobMetrics.class);
    private static final double[] DURATION_BUCKETS = {
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

    private final Counter enqueued;
    private final Counter finished;
    private final Histogram runDuration;
    private final Histogram queueWait;
    /**
     * Where the queue gauges read their counts, when the metrics are read (a scrape), not on a timer:
     * a count reads every waiting job, and a backlog of a million took a database core's tenth to
     * count every few seconds while nobody looked. The source shares one count among the gauges
     * ({@link QueueCounts}). Null: the gauges have no sample (tests of other metrics).
     */
    private final Supplier<JobStore.Counts> counts;
    private final Gauge mode;
    private final Gauge redisUp;
    private final Histogram intakeBatch;
    private final Histogram claimBatch;

    /** Metrics without the queue gauges' counts (tests of the other metrics). */
    public JobMetrics(PrometheusRegistry registry) {
        this(registry, null);
    }

    /** @param counts the queue's counts, read when the metrics are scraped */
    public JobMetrics(PrometheusRegistry registry, Supplier<JobStore.Counts> counts) {
        this.counts = counts;
        enqueued = Counter.builder().name("levqor_jobs_enqueued_total")
                .help("Jobs accepted at intake, by workflow").labelNames("workflow").register(registry);
        finished = Counter.builder().name("levqor_jobs_finished_total")
                .help("Job attempts finished, by workflow and outcome (succeeded, failed, dead, discarded, released)")
                .labelNames("workflow", "outcome").register(registry);
        runDuration = Histogram.builder().name("levqor_job_run_duration_seconds")
                .help("Run time of one attempt in seconds, by workflow").labelNames("workflow")
                .classicUpperBounds(DURATION_BUCKETS).classicOnly().register(registry);
        queueWait = Histogram.builder().name("levqor_job_queue_wait_seconds")
                .help("Time from due (run_at) to claimed, in seconds, by workflow").labelNames("workflow")
                .classicUpperBounds(DURATION_BUCKETS).classicOnly().register(registry);
        countGauge(registry, "levqor_queue_depth", "Queued jobs that are due", JobStore.Counts::depth);
        countGauge(registry, "levqor_jobs_running", "Jobs running (claimed)", JobStore.Counts::running);
        countGauge(registry, "levqor_jobs_retry_waiting", "Failed jobs waiting for a retry", JobStore.Counts::retry);
        countGauge(registry, "levqor_dlq_depth", "Dead jobs (the DLQ)", JobStore.Counts::dlq);
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

    private void countGauge(PrometheusRegistry registry, String name, String help, ToLongFunction<JobStore.Counts> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            Supplier<JobStore.Counts> source = counts;
            if (source == null) {
                return;
            }
            try {
                cb.call(value.applyAsLong(source.get()));
            } catch (RuntimeException e) {
                // The database does not answer: the gauge has no sample this time; /ops/uptime says why.
                log.debug("Queue counts unavailable for {}: {}", name, e.getMessage());
            }
        }).register(registry);
    }

    /** The queue's mode and whether Redis answers (the dispatcher's {@code StateListener}). */
    public void queueState(boolean async, boolean up) {
        mode.labelValues("async").set(async ? 1 : 0);
        mode.labelValues("sync").set(async ? 0 : 1);
        redisUp.set(up ? 1 : 0);
    }
}
