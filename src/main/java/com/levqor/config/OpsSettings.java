package com.levqor.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Operations: the admin token, where logs go, and error reporting.
 *
 * @param adminKey  {@code ADMIN_KEY}: bearer token of the /ops admin endpoints; unset, they answer 503
 * @param logDir    {@code LOG_DIR}: folder of {@code errors.jsonl} (default {@value #DEFAULT_LOG_DIR})
 * @param errorLogMaxBytes {@code ERROR_LOG_MAX_BYTES}: size at which errors.jsonl is rotated (default 10 MiB)
 * @param sentryDsn {@code SENTRY_DSN}: when set, unhandled errors are also sent to Sentry
 * @param errorReportsPerMinute {@code ERROR_REPORTS_PER_MINUTE}: error reports of one type from one source (an
 *                  account, a client address, a route) written to errors.jsonl and Sentry per minute; more are
 *                  counted and summarised, not written (default {@value #DEFAULT_ERROR_REPORTS_PER_MINUTE}; 0: no limit)
 * @param logFormat {@code LOG_FORMAT}: {@code text} (default) or {@code json}, how app.log and the console are written
 */
public record OpsSettings(Optional<String> adminKey, Path logDir, long errorLogMaxBytes, Optional<URI> sentryDsn,
                          int errorReportsPerMinute, LogFormat logFormat) {
    public static final String DEFAULT_LOG_DIR = "logs";
    public static final long DEFAULT_ERROR_LOG_MAX_BYTES = 10L * 1024 * 1024;
    public static final int DEFAULT_ERROR_REPORTS_PER_MINUTE = 60;
    /** Shorter admin keys are refused: the key guards every write endpoint of /ops. */
    public static final int MIN_ADMIN_KEY_LENGTH = 16;

    static OpsSettings parse(Env env) {
        Optional<String> adminKey = env.secret("ADMIN_KEY");
        if (adminKey.isPresent() && adminKey.get().length() < MIN_ADMIN_KEY_LENGTH) {
            env.problem("ADMIN_KEY", "****", "at least " + MIN_ADMIN_KEY_LENGTH + " characters");
        }
        return new OpsSettings(
                adminKey,
                env.path("LOG_DIR", DEFAULT_LOG_DIR),
                env.longValue("ERROR_LOG_MAX_BYTES", DEFAULT_ERROR_LOG_MAX_BYTES, 4_096, 1L << 40),
                env.httpUrl("SENTRY_DSN", true),
                env.integer("ERROR_REPORTS_PER_MINUTE", DEFAULT_ERROR_REPORTS_PER_MINUTE, 0, 1_000_000),
                LogFormat.parse(env));
    }
}
