package com.levqor.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HTTP/1.1 by hand on a socket, for what a client library will not do: trickled bodies, pipelining. */
public final class RawHttp {
    private static final Pattern HEAD = Pattern.compile("HTTP/1\\.1 (\\d{3})[^\\r]*\\r\\n((?:[^\\r]+\\r\\n)*)\\r\\n");
    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)");

    private RawHttp() {
    }

    /**
     * Writes {@code body} one byte at a time, pausing {@code pauseMillis} after each of the first
     * {@code pausedBytes}; stops quietly when the server closes the connection mid-body.
     */
    public static void trickle(OutputStream out, byte[] body, long pauseMillis, int pausedBytes)
            throws InterruptedException {
        try {
            for (int i = 0; i < body.length; i++) {
                out.write(body[i]);
                out.flush();
                if (i < pausedBytes) {
                    Thread.sleep(pauseMillis);
                }
            }
        } catch (IOException cutOff) {
            // the server closed the connection mid-body: what it answered is still readable
        }
    }

    /**
     * Reads answers until {@code count} complete ones (by Content-Length) arrived or the connection
     * ended; each as "status body".
     */
    public static List<String> answers(InputStream in, int count) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        List<String> found = new ArrayList<>();
        while (found.size() < count) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException reset) {
                break; // reset after the last answer
            }
            if (n < 0) {
                break;
            }
            seen.write(buf, 0, n);
            found.clear();
            String text = seen.toString(StandardCharsets.ISO_8859_1);
            Matcher m = HEAD.matcher(text);
            int at = 0;
            while (m.find(at) && m.start() == at) {
                Matcher len = LENGTH.matcher(m.group(2));
                int bodyLength = len.find() ? Integer.parseInt(len.group(1)) : 0;
                if (m.end() + bodyLength > text.length()) {
                    break;
                }
                found.add(m.group(1) + " " + text.substring(m.end(), m.end() + bodyLength));
                at = m.end() + bodyLength;
            }
        }
        return found;
    }
}
