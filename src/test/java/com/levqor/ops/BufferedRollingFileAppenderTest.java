package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.levqor.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * app.log's buffered appender in a logging context of its own. With a flush interval of an hour,
 * a line in the file got there by a WARN/ERROR flush or by stopping, never by the flusher.
 */
class BufferedRollingFileAppenderTest {
    private static final long AN_HOUR_MILLIS = TimeUnit.HOURS.toMillis(1);
    private static final long MAX_BYTES = 1L << 30;

    private final LoggerContext context = new LoggerContext();
    private Path dir;

    @BeforeEach
    void folder() throws IOException {
        context.setMDCAdapter(new LogbackMDCAdapter());
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "applog-");
    }

    @AfterEach
    void stopLogging() {
        context.stop();
    }

    @Test
    void stoppingLoggingWritesOutEveryBufferedLine() throws Exception {
        Logger access = accessLoggerFlushingEvery(AN_HOUR_MILLIS);
        int threads = 4;
        int perThread = 5_000;
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int writer = t;
            Thread w = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    access.info("GET /api/v1/status 200 0.42ms rid=" + writer + "-" + i);
                }
            }, "writer-" + writer);
            w.start();
            writers.add(w);
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(appLog()).as("the last lines wait in the buffer").hasSizeLessThan(threads * perThread);

        context.stop();

        List<String> lines = appLog();
        assertThat(lines).hasSize(threads * perThread);
        assertThat(new HashSet<>(lines)).as("every line once, none torn").hasSize(threads * perThread);
        assertThat(lines).allMatch(l -> l.matches(
                "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[writer-\\d] levqor\\.access"
                        + " - GET /api/v1/status 200 0\\.42ms rid=\\d-\\d+"));
    }

    @Test
    void warnAndErrorLinesReachTheFileAtOnceWithTheLinesBeforeThem() {
        Logger access = accessLoggerFlushingEvery(AN_HOUR_MILLIS);
        Logger jobs = context.getLogger("com.levqor.jobs.Worker");
        access.info("GET /ops/uptime 200 0.81ms rid=before-warn");
        assertThat(appLog()).as("an INFO line waits in the buffer").isEmpty();

        jobs.warn("Redis unreachable");
        Await.until("the WARN line in app.log", Duration.ofSeconds(5),
                () -> appLog().stream().anyMatch(l -> l.contains("WARN  [") && l.endsWith("Worker - Redis unreachable")));
        assertThat(appLog().get(0)).endsWith("rid=before-warn");

        access.info("GET /ops/uptime 200 0.77ms rid=before-error");
        jobs.error("job 42 went dead");
        Await.until("the ERROR line in app.log", Duration.ofSeconds(5),
                () -> appLog().stream().anyMatch(l -> l.contains("ERROR [") && l.endsWith("Worker - job 42 went dead")));
        assertThat(appLog()).hasSize(4);
    }

    @Test
    void infoLinesReachTheFileWithinTheFlushInterval() {
        Logger access = accessLoggerFlushingEvery(50);
        access.info("GET /ops/uptime 200 0.81ms rid=quiet");
        Await.until("the INFO line in app.log", Duration.ofSeconds(5),
                () -> appLog().stream().anyMatch(l -> l.endsWith("rid=quiet")));
    }

    @Test
    void flusherThreadStartsWithTheAppenderAndEndsWithIt() {
        accessLoggerFlushingEvery(50);
        String name = "levqor-log-flush " + dir.resolve("app.log");
        assertThat(threadNamed(name)).as("flusher running").isTrue();

        context.stop();

        Await.until("the flusher thread to end", Duration.ofSeconds(5), () -> !threadNamed(name));
    }

    private Logger accessLoggerFlushingEvery(long millis) {
        BufferedRollingFileAppender app = LogSetup.appLog(context, dir.toString(), MAX_BYTES, millis);
        Logger access = context.getLogger(LogSetup.ACCESS_LOGGER);
        access.addAppender(app);
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(app);
        access.setAdditive(false);
        return access;
    }

    private List<String> appLog() {
        try {
            return Files.readAllLines(dir.resolve("app.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name));
    }
}
