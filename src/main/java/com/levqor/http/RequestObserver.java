package com.levqor.http;

import com.levqor.ops.ErrorReporter;
import com.levqor.ops.LogSetup;
import com.levqor.ops.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every answered request leaves behind, whichever path served it (Javalin or a
 * {@link DirectRoute}): its request metric, a report when it answered 5xx (unless the failure was
 * reported already), and its access-log line.
 */
public final class RequestObserver {
    private static final Logger access = LoggerFactory.getLogger(LogSetup.ACCESS_LOGGER);

    private final Metrics metrics;
    private final ErrorReporter reporter;

    public RequestObserver(Metrics metrics, ErrorReporter reporter) {
        this.metrics = metrics;
        this.reporter = reporter;
    }

    /**
     * @param route    the route template (never the raw path), the metric label
     * @param ms       time from the request's start to its answer
     * @param reported true when the failure behind a 5xx was reported already
     */
    public void observe(String method, String path, String route, int status, float ms, String requestId,
                        boolean reported) {
        metrics.observeRequest(method, route, status, ms / 1000.0);
        if (status >= 500 && !reported) {
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("request_id", requestId);
            context.put("method", method);
            context.put("route", route);
            context.put("status", status);
            reporter.report("http_5xx", method + " " + route + " answered " + status, null, context);
        }
        if (access.isInfoEnabled()) {
            access.info(HttpServer.accessLine(method, path, status, ms, requestId));
        }
    }
}
