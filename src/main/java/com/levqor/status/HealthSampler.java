package com.levqor.status;

import com.levqor.db.LeaderLock;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each component's state for the uptime history, every {@code STATUS_SAMPLE_SECONDS}, as a
 * {@link Duty} of the scheduler; one process at a time ({@link LeaderLock}, key {@link #LOCK_KEY}),
 * so each moment is counted once however many instances run. A sample is the state the page shows:
 * live health, worsened by open incidents and maintenance in progress.
 *
 * <p>When the database stops answering, the process that held the lock keeps sampling into memory
 * (at most {@link #MAX_PENDING} samples) and writes them once it answers again: an outage of the
 * database is recorded like any other instead of leaving a gap.
 */
final class HealthSampler implements Duty {
    private static final Logger log = LoggerFactory.getLogger(HealthSampler.class);
    /** The sampler's advisory lock key: "LVQSTATS" in ASCII. */
    static final long LOCK_KEY = 0x4C56515354415453L;
    /** Samples kept in memory while the database does not answer. */
    static final int MAX_PENDING = 10_000;

    private record Sample(Instant at, StatusBoard board) {
    }

    private final SnapshotRefresher board;
    private final UptimeHistory history;
    private final LeaderLock lock;
    private final Duration interval;
    private final Clock clock;
    private final Deque<Sample> pending = new ArrayDeque<>();
    /** True from the first sample taken holding the lock until another process is seen holding it. */
    private boolean sampling;

    HealthSampler(SnapshotRefresher board, UptimeHistory history, LeaderLock lock, Duration interval, Clock clock) {
        this.board = board;
        this.history = history;
        this.lock = lock;
        this.interval = interval;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "status-sampler";
    }

    @Override
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean runOnce() {
        LeaderLock.State state = lock.state();
        if (state == LeaderLock.State.HELD || (state == LeaderLock.State.UNKNOWN && sampling)) {
            sampling = true;
            take();
        } else if (state == LeaderLock.State.HELD_ELSEWHERE) {
            sampling = false;
        }
        if (!pending.isEmpty() && state != LeaderLock.State.UNKNOWN) {
            write(); // also after losing the lock: these moments were sampled by this process only
        }
        return false;
    }

    private void take() {
        if (pending.size() >= MAX_PENDING) {
            pending.removeFirst();
        }
        pending.addLast(new Sample(clock.instant(), board.boardNow()));
    }

    private void write() {
        Map<String, DailyCounts> sums = new LinkedHashMap<>();
        for (Sample s : pending) {
            LocalDate day = LocalDate.ofInstant(s.at(), ZoneOffset.UTC);
            for (Component c : Component.values()) {
                sums.merge(c.wire() + "/" + day, DailyCounts.of(c, day, s.board().of(c)), DailyCounts::plus);
            }
        }
        try {
            history.add(sums.values(), LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
            if (pending.size() > 1) {
                log.info("Wrote {} health samples kept in memory while the database did not answer", pending.size());
            }
            pending.clear();
        } catch (RuntimeException e) {
            log.debug("Health samples not written yet ({} pending): {}", pending.size(), e.toString());
        }
    }

    /** Samples waiting to be written (tests). */
    int pending() {
        return pending.size();
    }

    @Override
    public void stopped() {
        lock.close();
    }
}
