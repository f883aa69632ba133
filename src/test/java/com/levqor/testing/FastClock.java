package com.levqor.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A UTC clock that runs {@code speed} times faster than the real one from a shared origin: every
 * process given the same origin and speed reads the same time, so several processes can live
 * through many cron occurrences in a few real seconds.
 */
public final class FastClock extends Clock {
    private final long realOriginMillis;
    private final long fakeOriginMillis;
    private final long speed;

    /**
     * @param realOriginMillis a real instant (System.currentTimeMillis) shared by the processes
     * @param fakeOriginMillis what this clock reads at that instant
     * @param speed            fake milliseconds per real millisecond
     */
    public FastClock(long realOriginMillis, long fakeOriginMillis, long speed) {
        this.realOriginMillis = realOriginMillis;
        this.fakeOriginMillis = fakeOriginMillis;
        this.speed = speed;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(fakeOriginMillis + (System.currentTimeMillis() - realOriginMillis) * speed);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a UTC test clock");
    }
}
