package com.levqor.ops;

/**
 * Request-derived text made safe for a log line: control characters (CR and LF first of all),
 * DEL, the backslash and everything outside printable ASCII are written as hexadecimal escapes, and
 * the text is cut at {@link #MAX_CHARS}, so a client can neither forge lines nor flood one.
 */
public final class LogText {
    /** Longest request-derived value written into a line. */
    public static final int MAX_CHARS = 256;

    private LogText() {
    }

    public static String escape(String s) {
        if (s == null) {
            return "-";
        }
        int n = Math.min(s.length(), MAX_CHARS);
        int i = 0;
        while (i < n && printable(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s; // the usual case: nothing to escape, no copy
        }
        StringBuilder sb = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (printable(c)) {
                sb.append(c);
            } else if (c < 0x100) {
                sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > n) {
            sb.append("...");
        }
        return sb.toString();
    }

    private static boolean printable(char c) {
        return c >= 0x20 && c < 0x7f && c != '\\';
    }
}
