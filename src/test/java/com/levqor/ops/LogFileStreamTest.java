package com.levqor.ops;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

/**
 * A log file's stream on a disk that fills up and gets room again: no call throws, the lines the disk
 * refused wait in the buffer and reach the file once it has room, those beyond the buffer are counted
 * as dropped, and the stream says it is failing exactly while the disk refuses.
 */
class LogFileStreamTest {

    /** A disk that takes bytes until told it is full. */
    private static final class Disk extends OutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        boolean full;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            written.write(b, off, len);
        }

        String text() {
            return written.toString(UTF_8);
        }
    }

    @Test
    void linesRefusedByAFullDiskWaitInTheBufferAndReachTheFileWhenItHasRoom() {
        Disk disk = new Disk();
        LogFileStream stream = new LogFileStream(disk, "key", 32);
        line(stream, "one\n");
        stream.flush();
        assertThat(disk.text()).isEqualTo("one\n");
        assertThat(stream.failing()).isFalse();

        disk.full = true;
        line(stream, "two\n");
        stream.flush();
        assertThat(stream.failing()).isTrue();
        assertThat(stream.failure()).hasMessageContaining("No space left");
        line(stream, "three\n");
        stream.flush();
        assertThat(stream.failing()).as("still full").isTrue();
        line(stream, "a line that does not fit\n");
        assertThat(stream.droppedBytes()).as("beyond the buffer: dropped, counted").isEqualTo(25);

        disk.full = false;
        stream.flush();
        assertThat(stream.failing()).isFalse();
        assertThat(disk.text()).isEqualTo("one\ntwo\nthree\n");
        line(stream, "four\n");
        stream.close();
        assertThat(disk.text()).isEqualTo("one\ntwo\nthree\nfour\n");
    }

    @Test
    void aLineLongerThanTheBufferGoesStraightToTheFileOrIsDropped() {
        Disk disk = new Disk();
        LogFileStream stream = new LogFileStream(disk, "key", 8);
        line(stream, "longer than eight\n");
        assertThat(disk.text()).isEqualTo("longer than eight\n");
        disk.full = true;
        line(stream, "another long line\n");
        assertThat(stream.failing()).isTrue();
        assertThat(stream.droppedBytes()).isEqualTo(18);
        disk.full = false;
        line(stream, "ok\n");
        stream.flush();
        assertThat(stream.failing()).isFalse();
        assertThat(disk.text()).isEqualTo("longer than eight\nok\n");
    }

    private static void line(LogFileStream stream, String text) {
        byte[] bytes = text.getBytes(UTF_8);
        stream.write(bytes, 0, bytes.length);
    }
}
