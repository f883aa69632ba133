package com.levqor.db;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * HikariCP has no tracker for prometheus-metrics 1.x; this one exposes the pool's active, idle,
 * pending and maximum connections as gauges, plus acquire-time histogram and timeout counter.
 */
public final class PoolMetrics implements MetricsTrackerFactory {
    private final PrometheusRegistry registry;

    public PoolMetrics(PrometheusRegistry registry) {
        this.registry = registry;
    }

    @Override
    public IMetricsTracker create(String poolName, PoolStats stats) {
        GaugeWithCallback.builder()
                .name("levqor_db_pool_connections")
                .help("Database pool connections by state (active, idle, pending = threads waiting, max)")
                .labelNames("pool", "state")
                .callback(cb -> {
                    cb.call(stats.getActiveConnections(), poolName, "active");
                    cb.call(stats.getIdleConnections(), poolName, "idle");
                    cb.call(stats.getPendingThreads(), poolName, "pending");
                    cb.call(stats.getMaxConnections(), poolName, "max");
                })
                .register(registry);
        Histogram acquire = Histogram.builder()
                .name("levqor_db_pool_acquire_seconds")
                .help("Time to take a connection from the pool, in seconds")
                .labelNames("pool")
                .classicUpperBounds(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5)
                .register(registry);
        Counter timeouts = Counter.builder()
                .name("levqor_db_pool_timeouts_total")
                .help("Requests for a pooled connection that timed out")
                .labelNames("pool")
                .register(registry);
        return new IMetricsTracker() {
            @Override
            public void recordConnectionAcquiredNanos(long nanos) {
                acquire.labelValues(poolName).observe(nanos / 1e9);
            }

            @Override
            public void recordConnectionTimeout() {
                timeouts.labelValues(poolName).inc();
            }
        };
    }
}
