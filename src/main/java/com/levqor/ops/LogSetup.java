package com.levqor.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.util.FileSize;
import com.levqor.config.LogFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Adds the file logs to the console logging of {@link ConsoleLogging}: {@code logs/app.log} (every
 * line, including one per HTTP request from the {@code levqor.access} logger) and
 * {@code logs/errors.jsonl} (the {@code levqor.errors} logger only, one JSON object a line). Both
 * roll by size, keeping five old files. app.log is buffered (see {@link BufferedRollingFileAppender}):
 * an INFO line reaches the file within {@link #APP_LOG_FLUSH_MILLIS}, a WARN or ERROR line at once;
 * errors.jsonl writes every line through at once. Neither fails or blocks a logging call when its
 * folder cannot be written (see {@link WatchedFileAppender}); {@link #checkFiles()} repairs them and
 * {@link LogFiles} reports them.
 *
 * <p>With {@link LogFormat#JSON} ({@code LOG_FORMAT=json}) app.log is one JSON object a line
 * (logstash-logback-encoder's fields: {@code @timestamp} in UTC, {@code level}, {@code logger_name},
 * {@code thread_name}, {@code message}, {@code stack_trace}; an access line adds {@link
 * com.levqor.http.AccessLine}'s), and the console of {@link ConsoleLogging} (text on standard error) is
 * replaced by the same JSON lines on standard output, access lines included, buffered like app.log.
 */
public final class LogSetup {
    public static final String ERRORS_LOGGER = "levqor.errors";
    public static final String ACCESS_LOGGER = "levqor.access";
    /** How long an INFO line of app.log may wait in its buffer, in milliseconds. */
    static final long APP_LOG_FLUSH_MILLIS = 100;
    private static final String APP_LOG_PREFIX = "app-file:";
    private static final int KEEP_FILES = 5;
    /** Buffer of errors.jsonl's stream: written through on every line, it only holds lines a full disk refused. */
    private static final int ERRORS_BUFFER_BYTES = 64 * 1024;
    /** The console appender of {@link ConsoleLogging}: text on standard error. */
    private static final String TEXT_CONSOLE = ConsoleLogging.APPENDER;
    private static final String JSON_CONSOLE = "console-json";
    /** The text console while JSON lines replace it, so a later text configuration puts it back. */
    private static Appender<ILoggingEvent> textConsole;

    private LogSetup() {
    }

    /** {@link #configure(Path, long, LogFormat)} in text, the default format. */
    public static synchronized void configure(Path logDir, long maxBytes) {
        configure(logDir, maxBytes, LogFormat.DEFAULT);
    }

    /** Idempotent per folder and format: configuring the same twice adds nothing. */
    public static synchronized void configure(Path logDir, long maxBytes, LogFormat format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        String dir = logDir.toAbsolutePath().normalize().toString();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        String appName = APP_LOG_PREFIX + format.value() + ":" + dir;
        if (root.getAppender(appName) != null) {
            return;
        }
        // One process writes to one folder: a later configuration (tests start several servers) replaces the earlier.
        for (var it = root.iteratorForAppenders(); it.hasNext(); ) {
            var a = it.next();
            if (a.getName() != null && a.getName().startsWith(APP_LOG_PREFIX)) {
                root.detachAppender(a);
                context.getLogger(ACCESS_LOGGER).detachAppender(a);
                a.stop();
            }
        }
        console(context, root, format);
        BufferedRollingFileAppender app = rolling(new BufferedRollingFileAppender(APP_LOG_FLUSH_MILLIS), context,
                appName, dir + "/app.log", maxBytes, encoder(context, format), 1_000);
        root.addAppender(app);
        context.getLogger(ACCESS_LOGGER).addAppender(app);

        ErrorJsonEncoder json = new ErrorJsonEncoder();
        json.setContext(context);
        json.start();
        Logger errors = context.getLogger(ERRORS_LOGGER);
        errors.setLevel(Level.INFO);
        errors.setAdditive(false);
        errors.detachAndStopAllAppenders();
        errors.addAppender(rolling(new WatchedFileAppender(ERRORS_BUFFER_BYTES), context, "errors-file:" + dir,
                dir + "/errors.jsonl", maxBytes, json, 0));
    }

    /** The file logs of the current configuration: app.log, errors.jsonl (none before {@link #configure}). */
    private static List<WatchedFileAppender> files() {
        List<WatchedFileAppender> files = new ArrayList<>(2);
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return files;
        }
        for (String logger : new String[] {Logger.ROOT_LOGGER_NAME, ERRORS_LOGGER}) {
            for (var it = context.getLogger(logger).iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof WatchedFileAppender file) {
                    files.add(file);
                }
            }
        }
        return files;
    }

    /**
     * Checks each file log, repairing what it can ({@link WatchedFileAppender#check()}): a file that
     * could not be opened is opened, a path that no longer leads to the open file is reopened, a failed
     * write is retried. Returns the files that still cannot be written, each with why, by path.
     */
    public static synchronized Map<String, String> checkFiles() {
        Map<String, String> failing = new LinkedHashMap<>();
        for (WatchedFileAppender file : files()) {
            if (!file.check()) {
                failing.put(file.getFile(), String.valueOf(file.problem()));
            }
        }
        return failing;
    }

    /** True when every file log was writable at its last write and last check (no I/O here). */
    public static boolean filesWritable() {
        for (WatchedFileAppender file : files()) {
            if (!file.writable()) {
                return false;
            }
        }
        return true;
    }

    /** Bytes of log lines the file logs have dropped so far because their files could not take them. */
    public static long droppedBytes() {
        long total = 0;
        for (WatchedFileAppender file : files()) {
            total += file.droppedBytes();
        }
        return total;
    }

    /**
     * Writes out the lines app.log still holds in its buffer. The last step of an orderly stop: the
     * process may end right after it, before the flusher's next turn.
     */
    public static void flush() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (var it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders(); it.hasNext(); ) {
            var appender = it.next();
            if (appender instanceof BufferedRollingFileAppender app) {
                app.flush();
            } else if (appender instanceof BufferedConsoleAppender console) {
                console.flush();
            }
        }
    }

    /** The started text app.log appender of {@code dir}, flushing INFO lines every {@code flushEveryMillis}. */
    static BufferedRollingFileAppender appLog(LoggerContext context, String dir, long maxBytes,
                                              long flushEveryMillis) {
        return rolling(new BufferedRollingFileAppender(flushEveryMillis), context, APP_LOG_PREFIX + dir,
                dir + "/app.log", maxBytes, encoder(context, LogFormat.TEXT), 1_000);
    }

    /** A started encoder of app.log's lines in {@code format}. */
    private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
        if (format == LogFormat.JSON) {
            LogstashEncoder json = new LogstashEncoder();
            json.setContext(context);
            json.setTimeZone("UTC");
            json.start();
            return json;
        }
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{36} - %msg%n");
        pattern.start();
        return pattern;
    }

    /**
     * Text: {@link ConsoleLogging}'s console (standard error: every logger but the access log). JSON: every line,
     * access lines included, on standard output instead.
     */
    private static void console(LoggerContext context, Logger root, LogFormat format) {
        Logger accessLog = context.getLogger(ACCESS_LOGGER);
        Appender<ILoggingEvent> json = root.getAppender(JSON_CONSOLE);
        if (format == LogFormat.JSON) {
            if (json != null) {
                return;
            }
            BufferedConsoleAppender stdout = new BufferedConsoleAppender(System.out, APP_LOG_FLUSH_MILLIS);
            stdout.setContext(context);
            stdout.setName(JSON_CONSOLE);
            stdout.setEncoder(encoder(context, format));
            stdout.start();
            root.addAppender(stdout);
            accessLog.addAppender(stdout);
            Appender<ILoggingEvent> text = root.getAppender(TEXT_CONSOLE);
            if (text != null) {
                textConsole = text;
                root.detachAppender(text);
            }
            return;
        }
        if (json != null) {
            root.detachAppender(json);
            accessLog.detachAppender(json);
            json.stop();
        }
        if (textConsole != null && root.getAppender(TEXT_CONSOLE) == null) {
            root.addAppender(textConsole);
        }
    }

    private static <A extends RollingFileAppender<ILoggingEvent>> A rolling(A appender, LoggerContext context,
                                                                           String name, String file, long maxBytes,
                                                                           Encoder<ILoggingEvent> encoder,
                                                                           long checkEveryMillis) {
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
