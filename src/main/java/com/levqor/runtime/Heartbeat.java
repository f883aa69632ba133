package com.levqor.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A duty that does nothing but record when it last ran: proof that the {@link Scheduler} still
 * starts rounds, read by the liveness probe. A scheduler whose threads no longer run (a thread
 * killed by an error, a JVM that cannot schedule them) stops the ticks, and their age grows.
 */
public final class Heartbeat implements Duty {
    /** How often it ticks. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    private final Clock clock;
    private volatile long lastTickMillis;

    /** Counts as a tick at construction, so a process that just started is not reported stuck. */
    public Heartbeat(Clock clock) {
        this.clock = clock;
        this.lastTickMillis = clock.millis();
    }

    @Override
    public String name() {
        return "heartbeat";
    }

    /** Not deferred after the start: /livez reads its beats from the start on. */
    @Override
    public boolean deferrable() {
        return false;
    }

    @Override
    public Duration interval() {
        return INTERVAL;
    }

    @Override
    public boolean runOnce() {
        lastTickMillis = clock.millis();
        return false;
    }

    /** When the last round ran. */
    public Instant lastTick() {
        return Instant.ofEpochMilli(lastTickMillis);
    }

    /** Time since the last round (zero when the clock went back). */
    public Duration age() {
        return Duration.ofMillis(Math.max(0, clock.millis() - lastTickMillis));
    }
}
