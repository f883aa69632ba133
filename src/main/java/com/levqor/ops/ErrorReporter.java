package com.levqor.ops;

import io.sentry.Sentry;
import io.sentry.SentryLevel;
import com.levqor.config.OpsSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Where errors go: a line in {@code logs/errors.jsonl}, a count in {@code error_rate_total} and,
 * when {@code SENTRY_DSN} is set, a Sentry event. Used for unhandled exceptions, 5xx answers and jobs
 * that went dead (once per job). What one source may write is limited: every report is counted, but
 * past {@code ERROR_REPORTS_PER_MINUTE} of one type from one source (an account, a client address, a
 * route) the line and the Sentry event are suppressed, counted in
 * {@code levqor_error_reports_suppressed_total{type}}, and summarised in one line when the
 * suppression ends.
 */
public final class ErrorReporter implements AutoCloseable {
    private static final Logger errors = LoggerFactory.getLogger(LogSetup.ERRORS_LOGGER);
    private static final Logger log = LoggerFactory.getLogger(ErrorReporter.class);

    private final Metrics metrics;
    private final boolean sentry;
    private final ReportLimiter limiter;
    private final int perMinute;

    /** With the default limit, {@link OpsSettings#DEFAULT_ERROR_REPORTS_PER_MINUTE}, and the system clock. */
    public ErrorReporter(Metrics metrics, Optional<URI> sentryDsn, String release) {
        this(metrics, sentryDsn, release, OpsSettings.DEFAULT_ERROR_REPORTS_PER_MINUTE, Clock.systemUTC());
    }

    /** @param perMinute {@code ERROR_REPORTS_PER_MINUTE}: reports a minute per type and source; 0: no limit */
    public ErrorReporter(Metrics metrics, Optional<URI> sentryDsn, String release, int perMinute, Clock clock) {
        this.metrics = metrics;
        this.sentry = sentryDsn.isPresent();
        this.limiter = new ReportLimiter(perMinute, clock);
        this.perMinute = perMinute;
        if (sentry) {
            Sentry.init(options -> {
                options.setDsn(sentryDsn.get().toString());
                options.setRelease("levqor@" + release);
                options.setSendDefaultPii(false);
                options.setEnableUncaughtExceptionHandler(false);
                options.setShutdownTimeoutMillis(2_000);
            });
            log.info("Sentry error reporting enabled");
        }
    }

    /**
     * Records one error; its source is the context's {@code account_id}, else its {@code client_ip},
     * else its {@code route}, else the process.
     *
     * @param type    its label in {@code error_rate_total} (e.g. {@code unhandled_exception})
     * @param message a sentence naming what failed
     * @param error   the cause, or null
     * @param context identifiers to keep with it (request_id, method, route, status, job_id…)
     */
    public void report(String type, String message, Throwable error, Map<String, Object> context) {
        report(type, sourceOf(context), message, error, context);
    }

    /** Records one error from the given source (whose reports of this type are limited together). */
    public void report(String type, String source, String message, Throwable error, Map<String, Object> context) {
        metrics.countError(type);
        ReportLimiter.Admission admission = limiter.admit(type, source);
        admission.summaries().forEach(this::summarise);
        if (!admission.write()) {
            metrics.countSuppressedReport(type);
            return;
        }
        LoggingEventBuilder event = errors.atError().setMessage(message).addKeyValue("type", type);
        context.forEach(event::addKeyValue);
        if (error != null) {
            event = event.setCause(error);
        }
        event.log();
        if (sentry) {
            Sentry.withScope(scope -> {
                scope.setLevel(SentryLevel.ERROR);
                scope.setTag("type", type);
                context.forEach((k, v) -> scope.setTag(k, String.valueOf(v)));
                if (error != null) {
                    Sentry.captureException(error);
                } else {
                    Sentry.captureMessage(message);
                }
            });
        }
    }

    /** Shows {@code error_rate_total{type}} at zero until the first error of that type. */
    public void declare(String type) {
        metrics.declareErrorType(type);
    }

    static String sourceOf(Map<String, Object> context) {
        for (String key : new String[] {"account_id", "client_ip", "route"}) {
            Object v = context.get(key);
            if (v != null) {
                return key + " " + v;
            }
        }
        return "process";
    }

    private void summarise(ReportLimiter.Summary s) {
        errors.atWarn()
                .setMessage("Suppressed " + s.suppressed() + " report(s) of type " + s.type() + " from " + s.source()
                        + " since " + Instant.ofEpochMilli(s.sinceMillis()) + " (over ERROR_REPORTS_PER_MINUTE="
                        + perMinute + ")")
                .addKeyValue("type", s.type())
                .addKeyValue("source", s.source())
                .addKeyValue("suppressed", s.suppressed())
                .log();
    }

    /** Counts an error in {@code error_rate_total} without a log line (expected, user-caused). */
    public void count(String type) {
        metrics.countError(type);
    }

    /** Writes the summaries of suppressions still under way, then stops Sentry. */
    @Override
    public void close() {
        limiter.drain().forEach(this::summarise);
        if (sentry) {
            Sentry.flush(2_000);
            Sentry.close();
        }
    }
}
