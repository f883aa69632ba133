package com.levqor.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the process's background {@link Duty duties}, each on its own daemon thread (a slow round of
 * one never delays another): one round, then a pause of its interval unless woken, until the
 * scheduler closes. Every duty has the same contract: {@link #add} before {@link #start},
 * {@link Handle#wake} from anywhere, {@link #close} stops them all and waits for their rounds to end
 * (bounded). A round that throws is logged (at most once a minute per duty while it keeps failing)
 * and the duty goes on after its pause.
 */
public final class Scheduler implements Service {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    /** How long {@link #close} waits for each duty's thread. */
    static final long JOIN_MILLIS = 5_000;
    private static final long FAILURE_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Wakes one duty: its next round starts now rather than after its pause. */
    public interface Handle {
        void wake();
    }

    private final List<Runner> runners = new ArrayList<>();
    private volatile boolean closed;
    private boolean started;
    /** While true the duties' threads wait before their first round ({@link #holdFirstRounds}). */
    private boolean held;
    /** {@link System#nanoTime()} before which no first round starts ({@link #releaseFirstRounds(Duration)}). */
    private long firstRoundsAt = System.nanoTime();

    /** Adds a duty; it runs once the scheduler starts (or at once when it already has). */
    public synchronized Handle add(Duty duty) {
        if (closed) {
            throw new IllegalStateException("scheduler closed: cannot add " + duty.name());
        }
        Runner r = new Runner(duty);
        runners.add(r);
        if (started) {
            r.start();
        }
        return r;
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        runners.forEach(Runner::start);
    }

    /**
     * Makes the duties wait with their first round until {@link #releaseFirstRounds()} (or {@link #close}):
     * the composition root holds them while the rest of the process starts, so their first queries
     * and the code they run for the first time do not take the two cores from the start itself.
     */
    public synchronized void holdFirstRounds() {
        held = true;
    }

    /** Lets the duties run their first rounds now (see {@link #holdFirstRounds()}). */
    public void releaseFirstRounds() {
        releaseFirstRounds(Duration.ZERO);
    }

    /**
     * Lets the duties run their first rounds {@code after} from now (see {@link #holdFirstRounds()}), those
     * not {@link Duty#deferrable()} at once; a wake before then is kept for that first round. The composition root gives a freshly started server
     * a moment to answer its first requests while its code is still cold.
     */
    public synchronized void releaseFirstRounds(Duration after) {
        held = false;
        firstRoundsAt = System.nanoTime() + after.toNanos();
        notifyAll();
    }

    private synchronized void awaitRelease(boolean deferrable) throws InterruptedException {
        while (!closed) {
            long left = deferrable ? firstRoundsAt - System.nanoTime() : 0;
            if (held) {
                wait();
            } else if (left > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } else {
                return;
            }
        }
    }

    /** The names of the duties added, in order. */
    public synchronized List<String> duties() {
        return runners.stream().map(r -> r.duty.name()).toList();
    }

    @Override
    public void close() {
        List<Runner> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(runners);
            notifyAll();
        }
        all.forEach(Runner::wake);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
        for (Runner r : all) {
            r.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    private final class Runner implements Handle {
        private final Duty duty;
        private final Object lock = new Object();
        private boolean woken;
        private Thread thread;
        private long lastFailureLogNanos;
        private int failuresSinceLog;

        Runner(Duty duty) {
            this.duty = duty;
        }

        void start() {
            thread = new Thread(this::loop, "levqor-" + duty.name());
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void wake() {
            synchronized (lock) {
                woken = true;
                lock.notifyAll();
            }
        }

        private void loop() {
            try {
                awaitRelease(duty.deferrable());
                synchronized (lock) {
                    woken = false; // a wake before the first round is answered by it
                }
                while (!closed) {
                    boolean more = round();
                    if (more || closed) {
                        continue;
                    }
                    synchronized (lock) {
                        long waitMillis = Math.max(1, duty.interval().toMillis());
                        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
                        while (!woken && !closed) {
                            long left = until - System.nanoTime();
                            if (left <= 0) {
                                break;
                            }
                            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                        }
                        woken = false;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    duty.stopped();
                } catch (RuntimeException e) {
                    log.warn("Duty {} failed to stop cleanly: {}", duty.name(), e.toString());
                }
            }
        }

        private boolean round() {
            try {
                return duty.runOnce();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // only close() interrupts: the pause that follows ends the loop
                return false;
            } catch (Exception | Error e) {
                failuresSinceLog++;
                long now = System.nanoTime();
                if (lastFailureLogNanos == 0 || now - lastFailureLogNanos >= FAILURE_LOG_EVERY_NANOS) {
                    log.warn("Duty {} failed ({} time(s) since the last report): {}", duty.name(), failuresSinceLog,
                            e.toString());
                    lastFailureLogNanos = now;
                    failuresSinceLog = 0;
                }
                return false;
            }
        }

        void join(long millis) {
            Thread t = thread;
            if (t == null) {
                return;
            }
            try {
                t.join(millis);
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(Math.min(millis, 1_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
