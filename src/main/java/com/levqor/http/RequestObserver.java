package com.levqor.http;

import com.levqor.edge.Authentication;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.LogSetup;
import com.levqor.ops.LogText;
import com.levqor.ops.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every answered request leaves behind, whichever path served it (Javalin or a
 * {@link DirectRoute}): its request metric, a report when it answered 5xx (unless the failure was
 * reported already, or it is a refusal rather than an error of the service), and its access-log
 * line ({@link AccessLine}). Everything a client chose is bounded or escaped: the method is the
 * request line's, one of {@link #METHODS} or {@code other}; the path is escaped.
 */
public final class RequestObserver {
    private static final Logger access = LoggerFactory.getLogger(LogSetup.ACCESS_LOGGER);
    /** The methods a metric or log line names; any other is {@code other}. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
            "CONNECT");
    /**
     * 5xx answers that refuse by configuration or capacity rather than fail: counted in
     * {@code levqor_http_refusals_total{reason}}, not reported as errors.
     */
    static final Set<String> REFUSALS = Set.of(Authentication.ADMIN_KEY_NOT_CONFIGURED, BytesInFlight.SERVER_BUSY);

    private final Metrics metrics;
    private final EdgeMetrics edgeMetrics;
    private final ErrorReporter reporter;

    public RequestObserver(Metrics metrics, EdgeMetrics edgeMetrics, ErrorReporter reporter) {
        this.metrics = metrics;
        this.edgeMetrics = edgeMetrics;
        this.reporter = reporter;
    }

    /** The method as metrics and logs name it: the request line's when known, else {@code other}. */
    static String methodLabel(String method) {
        return method != null && METHODS.contains(method) ? method : "other";
    }

    /**
     * @param method    the request line's method (never an override header)
     * @param route     the route template (never the raw path), the metric label
     * @param ms        time from the request's start to its answer
     * @param reported  true when the failure behind a 5xx was reported already
     * @param errorCode the {@code error} of the answer's body, or null
     */
    public void observe(String method, String path, String route, int status, float ms, String requestId,
                        boolean reported, String errorCode) {
        String label = methodLabel(method);
        metrics.observeRequest(label, route, status, ms / 1000.0);
        if (status >= 500 && !reported) {
            if (errorCode != null && REFUSALS.contains(errorCode)) {
                edgeMetrics.refused(errorCode);
            } else {
                Map<String, Object> context = new LinkedHashMap<>();
                context.put("request_id", requestId);
                context.put("method", label);
                context.put("route", route);
                context.put("status", status);
                reporter.report("http_5xx", label + " " + route + " answered " + status, null, context);
            }
        }
        if (access.isInfoEnabled()) {
            // As text the line is the entry's toString(); LOG_FORMAT=json adds its fields to the JSON object.
            access.info("{}", new AccessLine(label, LogText.escape(path), route, status, ms, requestId));
        }
    }

    /**
     * {@code "{} {} {} {}ms rid={}"} filled in without the logger's argument array, boxing and
     * placeholder scan: the text is the same (arguments are never themselves scanned for placeholders).
     */
    static String accessLine(String method, String path, int status, float ms, String requestId) {
        return new StringBuilder(method.length() + path.length() + requestId.length() + 24)
                .append(method).append(' ').append(path).append(' ').append(status).append(' ')
                .append(twoDecimals(ms)).append("ms rid=").append(requestId).toString();
    }

    /** {@code String.format("%.2f", ms)} without a Formatter per request. */
    static String twoDecimals(float ms) {
        long hundredths = Math.round(ms * 100.0);
        long frac = Math.abs(hundredths % 100);
        return (hundredths < 0 && hundredths > -100 ? "-" : "") + (hundredths / 100) + (frac < 10 ? ".0" : ".") + frac;
    }
}
