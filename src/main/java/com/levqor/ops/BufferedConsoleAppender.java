package com.levqor.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Standard output as a log destination with {@code LOG_FORMAT=json}: it carries every line app.log
 * has, one per request among them, so lines are buffered like app.log's (see
 * {@link BufferedRollingFileAppender}) instead of one {@code write()} each. They reach standard output
 * when the buffer is full, at the latest {@code flushEveryMillis} later, at once for a WARN or ERROR
 * line, on {@link #flush()} and on {@link #stop()}. Stopping flushes but never closes standard output.
 */
final class BufferedConsoleAppender extends OutputStreamAppender<ILoggingEvent> {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final long flushEveryMillis;
    private final PrintStream target;
    private volatile LogFlusher flusher;

    /**
     * @param target           the stream written to ({@code System.out}); never closed
     * @param flushEveryMillis how long an INFO line may wait in the buffer, in milliseconds
     */
    BufferedConsoleAppender(PrintStream target, long flushEveryMillis) {
        this.target = target;
        this.flushEveryMillis = flushEveryMillis;
    }

    @Override
    public void start() {
        setImmediateFlush(false); // once the context is given (see BufferedRollingFileAppender.start)
        setOutputStream(new FilterOutputStream(new BufferedOutputStream(target, BUFFER_BYTES)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len); // FilterOutputStream's own would write byte by byte
            }

            @Override
            public void close() throws IOException {
                flush(); // standard output outlives this appender
            }
        });
        super.start();
        if (!isStarted()) {
            return;
        }
        flusher = new LogFlusher(this, streamWriteLock, "standard output");
        flusher.start(flushEveryMillis);
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        super.subAppend(event);
        LogFlusher f = flusher;
        if (f != null) {
            f.appended(event);
        }
    }

    /** Writes the buffered lines to standard output now; does nothing once stopped. */
    void flush() {
        if (flusher != null) {
            flusher.flush();
        }
    }

    /** Stops the flusher, then writes out what the buffer still holds. */
    @Override
    public void stop() {
        if (flusher != null) {
            flusher.stop();
        }
        super.stop();
    }
}
