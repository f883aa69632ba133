package com.levqor.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT, taken over from the JVM's default (which starts shutting down at once and
 * ends the process with status 143): the stopping is then the command's own, a drain first when
 * asked, and the process exits 0 once it stopped cleanly. A second signal while stopping counts
 * down {@link #again()} (it cuts a drain short). Where the JVM does not allow it (run with
 * {@code -Xrs}), nothing is installed and the shutdown hook stops the process as before.
 */
final class StopSignals {
    private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

    private final CountDownLatch first = new CountDownLatch(1);
    private final CountDownLatch again = new CountDownLatch(1);
    private final AtomicReference<String> received = new AtomicReference<>();
    private final boolean installed;

    private StopSignals() {
        boolean ok = true;
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), this::received);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                log.warn("Cannot handle SIG{} ({}): the JVM's shutdown stops the process, without a drain", name,
                        e.getMessage());
                ok = false;
            }
        }
        this.installed = ok;
    }

    static StopSignals install() {
        return new StopSignals();
    }

    boolean installed() {
        return installed;
    }

    private void received(Signal signal) {
        if (received.compareAndSet(null, signal.getName())) {
            log.info("Received SIG{}", signal.getName());
            first.countDown();
        } else {
            log.info("Received SIG{} again while stopping", signal.getName());
            again.countDown();
        }
    }

    /** Waits for the first signal; returns its name ({@code TERM} or {@code INT}). */
    String await() throws InterruptedException {
        first.await();
        return received.get();
    }

    /** Counted down by any signal after the first. */
    CountDownLatch again() {
        return again;
    }
}
