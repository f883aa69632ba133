package com.levqor.ops;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The stream of one log file ({@link WatchedFileAppender}): a buffer in front of the file that never
 * throws to the logger. When the file cannot be written (disk full, I/O error) the lines not written
 * stay in the buffer and are tried again on each flush; once the buffer is full, further lines are
 * dropped and counted, so a log call neither fails nor waits. The stream is writable again as soon as
 * a write of those lines succeeds. It also remembers which file it opened (the file key), so the
 * appender can tell when the path no longer leads to it (deleted, moved, replaced by a folder).
 *
 * <p>Not thread-safe on its own: every call happens under the appender's stream lock.
 */
final class LogFileStream extends OutputStream {
    private final OutputStream out;
    private final Object fileKey;
    private final byte[] buffer;
    private int count;
    private volatile IOException failure;
    private long droppedBytes;

    /** Opens {@code file} for appending; throws when it cannot be opened. */
    LogFileStream(File file, int bufferBytes) throws IOException {
        this(new FileOutputStream(file, true), keyOf(file.toPath()), bufferBytes);
    }

    /** A stream over {@code out}, the file whose key is {@code fileKey} (tests give a disk that fills up). */
    LogFileStream(OutputStream out, Object fileKey, int bufferBytes) {
        this.out = out;
        this.fileKey = fileKey;
        this.buffer = new byte[bufferBytes];
    }

    /** The identity of the file at {@code path} (device and inode), or null when there is none to read. */
    static Object keyOf(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** True when {@code path} still leads to the file this stream writes (false when unknown). */
    boolean isAt(Path path) {
        return fileKey != null && Objects.equals(fileKey, keyOf(path));
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int off, int len) {
        if (len > buffer.length - count) {
            writeBuffer();
        }
        if (len <= buffer.length - count) {
            System.arraycopy(bytes, off, buffer, count, len);
            count += len;
        } else if (count == 0) {
            // Longer than the whole buffer: straight to the file.
            try {
                out.write(bytes, off, len);
                failure = null;
            } catch (IOException e) {
                failure = e;
                droppedBytes += len;
            }
        } else {
            droppedBytes += len; // the buffer holds lines the file has not taken yet
        }
    }

    /** Writes the buffered lines to the file; on failure they stay buffered for the next try. */
    @Override
    public void flush() {
        writeBuffer();
    }

    private void writeBuffer() {
        if (count == 0) {
            return;
        }
        try {
            out.write(buffer, 0, count);
            count = 0;
            failure = null;
        } catch (IOException e) {
            failure = e;
        }
    }

    /** True when the last write to the file failed. */
    boolean failing() {
        return failure != null;
    }

    /** Why the last write failed, or null. */
    IOException failure() {
        return failure;
    }

    /** Bytes of log lines dropped so far because the file could not take them. */
    long droppedBytes() {
        return droppedBytes;
    }

    /** Writes what it can of the buffer, then closes the file. */
    @Override
    public void close() {
        writeBuffer();
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing more to do with a file that cannot be closed
        }
    }
}
