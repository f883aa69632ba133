package com.levqor.backups;

import com.levqor.backups.DatabaseContent.SequenceValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code pg_dump}'s output goes while it runs: into the backup file, through a SHA-256, and past
 * a reader of the sequence positions it writes ({@code SELECT pg_catalog.setval('public.s', 5, true);}).
 *
 * <p>Sequences are not transactional: their position cannot be read "in the snapshot", and a
 * sequence another session advances between two reads would differ. The positions recorded in the
 * manifest are therefore the ones pg_dump wrote, which are exactly what a restore sets. Only lines
 * outside {@code COPY … FROM stdin} data blocks are looked at, so no row's text can pass for one.
 * Each line's first {@link #HEAD} bytes are kept, the rest only scanned for its end.
 */
final class DumpSink {
    private static final int HEAD = 1_024;
    private static final int BUFFER = 1 << 20;
    private static final byte[] COPY = "COPY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_COPY = "\\.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SETVAL = "SELECT pg_catalog.setval(".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern SETVAL_LINE =
            Pattern.compile("^SELECT pg_catalog\\.setval\\('((?:[^']|'')+)', (-?\\d+), (true|false)\\);\\s*$");

    private final FileChannel out;
    private final MessageDigest sha256;
    private final byte[] head = new byte[HEAD];
    private int headLength;
    private boolean inCopy;
    private long size;
    private final SortedMap<String, SequenceValue> sequences = new TreeMap<>();

    DumpSink(FileChannel out) {
        this.out = out;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Copies the stream to its end into the file. */
    void pump(InputStream in) throws IOException {
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) > 0) {
            append(buf, n);
        }
    }

    /** Writes text of this process's own (the transaction around the dump). */
    void text(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        append(b, b.length);
    }

    private void append(byte[] buf, int n) throws IOException {
        sha256.update(buf, 0, n);
        scan(buf, n);
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
            out.write(bb);
        }
        size += n;
    }

    private void scan(byte[] b, int length) {
        int i = 0;
        while (i < length) {
            int nl = i;
            while (nl < length && b[nl] != '\n') {
                nl++;
            }
            int take = Math.min(nl - i, HEAD - headLength);
            if (take > 0) {
                System.arraycopy(b, i, head, headLength, take);
                headLength += take;
            }
            if (nl == length) {
                return; // the line goes on in the next buffer
            }
            endOfLine();
            i = nl + 1;
        }
    }

    private void endOfLine() {
        if (inCopy) {
            inCopy = !(headLength == END_OF_COPY.length && startsWith(END_OF_COPY));
        } else if (startsWith(COPY)) {
            inCopy = true;
        } else if (startsWith(SETVAL)) {
            Matcher m = SETVAL_LINE.matcher(new String(head, 0, headLength, StandardCharsets.UTF_8));
            if (m.matches()) {
                sequences.put(m.group(1).replace("''", "'"),
                        new SequenceValue(Long.parseLong(m.group(2)), Boolean.parseBoolean(m.group(3))));
            }
        }
        headLength = 0;
    }

    private boolean startsWith(byte[] prefix) {
        if (headLength < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Ends the last line if it had no newline (call once the file is complete). */
    void finish() {
        if (headLength > 0) {
            endOfLine();
        }
    }

    long size() {
        return size;
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** The sequence positions the dump sets, by the name it gives them ({@code public.backups_id_seq}). */
    SortedMap<String, SequenceValue> sequences() {
        return sequences;
    }
}
