package com.levqor.ops;

import io.sentry.Sentry;
import io.sentry.SentryLevel;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Where errors go: a line in {@code logs/errors.jsonl}, a count in {@code error_rate_total} and,
 * when {@code SENTRY_DSN} is set, a Sentry event. Used for unhandled exceptions, 5xx answers and
 * (by the job executor) jobs that went dead.
 */
public final class ErrorReporter implements AutoCloseable {
    private static final Logger errors = LoggerFactory.getLogger(LogSetup.ERRORS_LOGGER);
    private static final Logger log = LoggerFactory.getLogger(ErrorReporter.class);

    private final Metrics metrics;
    private final boolean sentry;

    public ErrorReporter(Metrics metrics, Optional<URI> sentryDsn, String release) {
        this.metrics = metrics;
        this.sentry = sentryDsn.isPresent();
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
     * Records one error.
     *
     * @param type    its label in {@code error_rate_total} (e.g. {@code unhandled_exception})
     * @param message a sentence naming what failed
     * @param error   the cause, or null
     * @param context identifiers to keep with it (request_id, method, route, status, job_id…)
     */
    public void report(String type, String message, Throwable error, Map<String, Object> context) {
        metrics.countError(type);
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

    /** Counts an error in {@code error_rate_total} without a log line (expected, user-caused). */
    public void count(String type) {
        metrics.countError(type);
    }

    @Override
    public void close() {
        if (sentry) {
            Sentry.flush(2_000);
            Sentry.close();
        }
    }
}
