package com.levqor.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Adds the file logs to the console logging of {@code logback.xml}: {@code logs/app.log} (every
 * line, including one per HTTP request from the {@code levqor.access} logger) and
 * {@code logs/errors.jsonl} (the {@code levqor.errors} logger only, one JSON object a line). Both
 * roll by size, keeping five old files.
 */
public final class LogSetup {
    public static final String ERRORS_LOGGER = "levqor.errors";
    public static final String ACCESS_LOGGER = "levqor.access";
    private static final int KEEP_FILES = 5;

    private LogSetup() {
    }

    /** Idempotent per folder: configuring the same folder twice adds nothing. */
    public static synchronized void configure(Path logDir, long maxBytes) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        String dir = logDir.toAbsolutePath().normalize().toString();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        String appName = "app-file:" + dir;
        if (root.getAppender(appName) != null) {
            return;
        }
        // One process writes to one folder: a later configuration (tests start several servers) replaces the earlier.
        for (var it = root.iteratorForAppenders(); it.hasNext(); ) {
            var a = it.next();
            if (a.getName() != null && a.getName().startsWith("app-file:")) {
                root.detachAppender(a);
                context.getLogger(ACCESS_LOGGER).detachAppender(a);
                a.stop();
            }
        }
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{36} - %msg%n");
        pattern.start();
        RollingFileAppender<ILoggingEvent> app = rolling(context, appName, dir + "/app.log", maxBytes, pattern,
                1_000);
        root.addAppender(app);
        context.getLogger(ACCESS_LOGGER).addAppender(app);

        ErrorJsonEncoder json = new ErrorJsonEncoder();
        json.setContext(context);
        json.start();
        Logger errors = context.getLogger(ERRORS_LOGGER);
        errors.setLevel(Level.INFO);
        errors.setAdditive(false);
        errors.detachAndStopAllAppenders();
        errors.addAppender(rolling(context, "errors-file:" + dir, dir + "/errors.jsonl", maxBytes, json, 0));
    }

    private static RollingFileAppender<ILoggingEvent> rolling(LoggerContext context, String name, String file,
                                                              long maxBytes, Encoder<ILoggingEvent> encoder,
                                                              long checkEveryMillis) {
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setFile(file);
        appender.setEncoder(encoder);
        FixedWindowRollingPolicy policy = new FixedWindowRollingPolicy();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(file + ".%i");
        policy.setMinIndex(1);
        policy.setMaxIndex(KEEP_FILES);
        policy.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(new FileSize(maxBytes));
        // Errors are rare: check the size on every one. The busy app.log checks at most once a second.
        trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildByMilliseconds(checkEveryMillis));
        trigger.start();
        appender.setRollingPolicy(policy);
        appender.setTriggeringPolicy(trigger);
        appender.start();
        return appender;
    }
}
