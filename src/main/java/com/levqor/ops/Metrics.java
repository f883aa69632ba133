package com.levqor.ops;

import com.levqor.runtime.Background;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.config.EscapingScheme;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process's Prometheus registry and the metrics every part shares. Capabilities register their
 * own metrics on {@link #registry()}; names follow the design: {@code error_rate_total} (the
 * runbook's name) and everything else prefixed {@code levqor_}, in base units.
 */
public final class Metrics {
    /** Request-duration buckets in seconds: from half a millisecond to ten seconds. */
    private static final double[] LATENCY_BUCKETS = {
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Histogram requestDuration;
    /**
     * The request-duration series already looked up, by their labels: the histogram's own lookup
     * builds a label list and a status string per request. Bounded like the series themselves
     * (route templates, not paths).
     */
    private final ConcurrentHashMap<RequestLabels, DistributionDataPoint> requestSeries = new ConcurrentHashMap<>();
    private final Counter errors;
    private final Counter suppressedReports;
    private final Gauge dbUp;
    /** The registration of the JVM's own metrics ({@code jvm_…}), which every scrape waits for. */
    private final Background<Void> jvmMetrics;

    public Metrics() {
        requestDuration = Histogram.builder()
                .name("levqor_http_request_duration_seconds")
                .help("HTTP request duration in seconds, by route template, method and status")
                .labelNames("method", "route", "status")
                .classicUpperBounds(LATENCY_BUCKETS)
                .register(registry);
        errors = Counter.builder()
                .name("error_rate_total")
                .help("Errors by type: http_5xx, unhandled_exception, and the types other parts report")
                .labelNames("type")
                .register(registry);
        suppressedReports = Counter.builder()
                .name("levqor_error_reports_suppressed_total")
                .help("Error reports not written to errors.jsonl and Sentry (over ERROR_REPORTS_PER_MINUTE), by type")
                .labelNames("type")
                .register(registry);
        // Shown at zero from the start, so a dashboard sees the series before the first error.
        for (String type : new String[] {"unhandled_exception", "http_5xx"}) {
            errors.labelValues(type);
        }
        dbUp = Gauge.builder()
                .name("levqor_db_up")
                .help("1 when the last database check answered, 0 when it did not")
                .register(registry);
        // The JVM's metrics read its management beans, whose first use takes a tenth of a second: not on the start's
        // path, but once the server answers (awaitJvmMetrics) or at the first scrape, whichever comes first.
        jvmMetrics = Background.held("jvm-metrics", () -> {
            JvmMetrics.builder().register(registry);
            return null;
        });
    }

    /** Registers the JVM's metrics, if the first scrape has not (the composition root calls it once the server answers). */
    public void awaitJvmMetrics() {
        jvmMetrics.join();
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public void observeRequest(String method, String route, int status, double seconds) {
        RequestLabels labels = new RequestLabels(method, route, status);
        DistributionDataPoint series = requestSeries.get(labels);
        if (series == null) {
            series = requestSeries.computeIfAbsent(labels,
                    l -> requestDuration.labelValues(l.method, l.route, Integer.toString(l.status)));
        }
        series.observe(seconds);
    }

    /** The labels of one request-duration series. */
    private record RequestLabels(String method, String route, int status) {
        @Override
        public int hashCode() {
            return (method.hashCode() * 31 + route.hashCode()) * 31 + status;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RequestLabels l && status == l.status && route.equals(l.route)
                    && method.equals(l.method);
        }
    }

    /** Shows {@code error_rate_total{type}} at zero before its first error (an alert on its increase needs the series). */
    public void declareErrorType(String type) {
        errors.labelValues(type);
    }

    /** Counts one error of the given type in {@code error_rate_total}. */
    public void countError(String type) {
        errors.labelValues(type).inc();
    }

    /** Counts one error report suppressed by the per-source limit (still counted in {@code error_rate_total}). */
    public void countSuppressedReport(String type) {
        suppressedReports.labelValues(type).inc();
    }

    public void setDbUp(boolean up) {
        dbUp.set(up ? 1 : 0);
    }

    public String contentType() {
        return writer.getContentType();
    }

    /** The whole registry in the Prometheus text format. */
    public byte[] scrape() {
        jvmMetrics.join();
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
