package com.levqor.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the buffered appenders ({@link BufferedRollingFileAppender}, {@link BufferedConsoleAppender})
 * share: a daemon thread that writes out the buffer every so often, a flush under the appender's own
 * stream lock, and the rule that a WARN or ERROR line goes out at once (an operator tailing the log
 * must see it when it happens, not a moment later).
 */
final class LogFlusher {
    private final OutputStreamAppender<ILoggingEvent> appender;
    private final ReentrantLock streamLock;
    private final String what;
    private ScheduledExecutorService thread;

    /**
     * @param streamLock the appender's {@code streamWriteLock}
     * @param what       what the flush writes to, for the thread's name and error messages
     */
    LogFlusher(OutputStreamAppender<ILoggingEvent> appender, ReentrantLock streamLock, String what) {
        this.appender = appender;
        this.streamLock = streamLock;
        this.what = what;
    }

    /** Starts flushing every {@code millis} milliseconds (call once the appender has started). */
    void start(long millis) {
        thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "levqor-log-flush " + what);
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** After an event is appended: a WARN or ERROR line is written out now, with every line before it. */
    void appended(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            flush();
        }
    }

    /** Writes the buffered lines out now; does nothing once the appender has stopped. */
    void flush() {
        streamLock.lock();
        try {
            OutputStream out = appender.getOutputStream();
            if (appender.isStarted() && out != null) {
                out.flush();
            }
        } catch (IOException e) {
            appender.addError("Could not flush " + what, e);
        } finally {
            streamLock.unlock();
        }
    }

    /** Stops the thread (the appender's stop then writes out the rest). */
    void stop() {
        if (thread != null) {
            thread.shutdown();
        }
    }
}
