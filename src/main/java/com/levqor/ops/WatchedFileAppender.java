package com.levqor.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A rolling log file ({@code app.log}, {@code errors.jsonl}) that rides out a log folder it cannot
 * write, and says so. Its stream is a {@link LogFileStream}: a write that fails (disk full) neither
 * throws nor blocks the caller; the lines wait in the buffer, or are dropped once it is full.
 * {@link #check()}, called every second by {@link LogFiles}' duty, repairs what it can: it starts the
 * appender when the file could not be opened at start-up, reopens the file when its path no longer
 * leads to the open file (deleted, moved away, the folder replaced), and retries a failed write. The
 * file is {@link #writable()} when the appender runs, its path leads to the open file, and the last
 * write succeeded.
 */
class WatchedFileAppender extends RollingFileAppender<ILoggingEvent> {
    private final int bufferBytes;
    /** The last check found the open file at its path. */
    private volatile boolean atPath = true;
    /** Why the file could not be opened at the last try, or null. */
    private volatile String openProblem;
    /** Stopped on purpose (a reconfiguration, the end of logging): never started again by a check. */
    private volatile boolean retired;
    /** Bytes dropped by the streams this appender has closed. */
    private long droppedBefore;

    /** @param bufferBytes the buffer of the file's stream */
    WatchedFileAppender(int bufferBytes) {
        this.bufferBytes = bufferBytes;
    }

    /** Opens the file (creating its folder), replacing the stream; throws when it cannot be opened. */
    @Override
    public void openFile(String fileName) throws IOException {
        streamWriteLock.lock();
        try {
            File file = new File(fileName);
            File parent = file.getAbsoluteFile().getParentFile();
            if (parent != null && !parent.isDirectory() && !parent.mkdirs() && !parent.isDirectory()) {
                throw new IOException("could not create the folder " + parent);
            }
            LogFileStream stream = new LogFileStream(file, bufferBytes);
            if (getOutputStream() instanceof LogFileStream old) {
                droppedBefore += old.droppedBytes();
            }
            setOutputStream(stream);
            atPath = true;
            openProblem = null;
        } catch (IOException e) {
            openProblem = e.toString();
            throw e;
        } finally {
            streamWriteLock.unlock();
        }
    }

    /**
     * Repairs what it can (see the class comment) and returns {@link #writable()}. Opens and stats one
     * file at most; a logging call waits for it only while the file is being reopened.
     */
    boolean check() {
        if (retired) {
            return false;
        }
        if (!isStarted()) {
            start(); // opens the file: fails again while it still cannot be opened
            if (!isStarted()) {
                return false;
            }
        }
        streamWriteLock.lock();
        try {
            if (!isStarted()) {
                return false;
            }
            OutputStream current = getOutputStream();
            if (current instanceof LogFileStream stream && stream.isAt(Path.of(getFile()))) {
                atPath = true;
                if (stream.failing()) {
                    stream.flush();
                }
            } else {
                atPath = false;
                try {
                    openFile(getFile());
                } catch (IOException e) {
                    // stays not writable; the next check tries again
                }
            }
        } finally {
            streamWriteLock.unlock();
        }
        return writable();
    }

    /** True when lines reach the file: running, its path leads to the open file, the last write succeeded. */
    boolean writable() {
        return !retired && isStarted() && atPath && getOutputStream() instanceof LogFileStream stream
                && !stream.failing();
    }

    /** Why the file is not writable (for the log line that says so), or null when it is. */
    String problem() {
        if (writable()) {
            return null;
        }
        if (openProblem != null) {
            return openProblem;
        }
        if (getOutputStream() instanceof LogFileStream stream && stream.failing()) {
            return stream.failure().toString();
        }
        return atPath ? "not started" : "the file is no longer at " + getFile();
    }

    /** Bytes of log lines dropped so far because the file could not take them. */
    long droppedBytes() {
        streamWriteLock.lock();
        try {
            return droppedBefore + (getOutputStream() instanceof LogFileStream stream ? stream.droppedBytes() : 0);
        } finally {
            streamWriteLock.unlock();
        }
    }

    @Override
    public void stop() {
        retired = true;
        super.stop();
    }
}
