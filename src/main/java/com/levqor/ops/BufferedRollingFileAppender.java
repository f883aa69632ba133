package com.levqor.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The appender of {@code logs/app.log}: lines go into the file stream's buffer instead of one
 * {@code write()} each (under load that call was most of the access log's cost). They reach the
 * file when the buffer is full, at the latest {@code flushEveryMillis} later (a daemon thread
 * flushes), at once for a WARN or ERROR line, on {@link #flush()} and on {@link #stop()}, which
 * {@code LoggerContext.stop()} calls: stopping logging loses nothing. A folder it cannot write is
 * ridden out as {@link WatchedFileAppender} describes.
 */
final class BufferedRollingFileAppender extends WatchedFileAppender {
    /**
     * Buffer of the file stream, in bytes. logback's default of 8 KiB fills several times between
     * two flushes under load (~600 KB of access lines a second); 64 KiB leaves the flusher's
     * turns as nearly the only writes.
     */
    private static final int BUFFER_BYTES = 64 * 1024;

    private final long flushEveryMillis;
    private volatile LogFlusher flusher;

    /** @param flushEveryMillis how long an INFO line may wait in the buffer, in milliseconds */
    BufferedRollingFileAppender(long flushEveryMillis) {
        super(BUFFER_BYTES);
        this.flushEveryMillis = flushEveryMillis;
    }

    @Override
    public void start() {
        // Set here, once the context is given: logback reports the setting to the context, and
        // without one it prints "No context given" to standard output (which JSON logs must keep clean).
        setImmediateFlush(false);
        super.start();
        if (!isStarted()) {
            return;
        }
        flusher = new LogFlusher(this, streamWriteLock, getFile());
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

    /** Writes the buffered lines to the file now; does nothing once stopped. */
    void flush() {
        if (flusher != null) {
            flusher.flush();
        }
    }

    /** Stops the flusher, then closes the file, which writes out what the buffer still holds. */
    @Override
    public void stop() {
        if (flusher != null) {
            flusher.stop();
        }
        super.stop();
    }
}
