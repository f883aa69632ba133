package com.levqor.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** What every chaos scenario shares: the long variant switch and signals to processes. */
public final class Chaos {
    /** {@code -Dchaos.long=true} ({@code make chaos}): longer loads; otherwise the bounded variant of {@code make test}. */
    public static final boolean LONG = Boolean.getBoolean("chaos.long");

    private Chaos() {
    }

    /** The bounded or the long value. */
    public static int pick(int bounded, int longer) {
        return LONG ? longer : bounded;
    }

    /** Sends a signal ({@code STOP}, {@code CONT}, {@code TERM}…) with {@code kill}. */
    public static void signal(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static double seconds(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
