package com.levqor.backups;

import com.levqor.ops.ServiceCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fresh the backups are, as {@code "backups":"ok"|"stale"} in {@code GET /ops/uptime}: stale
 * (the service {@code degraded}, still 200) when backups are enabled and the newest good backup,
 * whichever instance made it, finished more than {@link #STALE_AFTER} ago, or there is none. The
 * probe reads what the last {@link #refresh} found (every round of the schedule and after every
 * run), never the database, so it answers at once even when the database hangs; until the first
 * refresh it says ok.
 */
public final class BackupStatus implements ServiceCheck {
    private static final Logger log = LoggerFactory.getLogger(BackupStatus.class);
    /** A daily backup plus two hours of slack. */
    public static final Duration STALE_AFTER = Duration.ofHours(26);

    private final BackupRuns runs;
    private final BackupMetrics metrics;
    private final Clock clock;
    private final boolean enabled;
    private volatile boolean known;
    private volatile Instant newestGood;

    public BackupStatus(BackupRuns runs, BackupMetrics metrics, Clock clock, boolean enabled) {
        this.runs = runs;
        this.metrics = metrics;
        this.clock = clock;
        this.enabled = enabled;
    }

    /** Reads the newest good backup and newest drill from the table (gauges included). */
    public void refresh() {
        Optional<BackupRuns.Run> backup = runs.newestOk(BackupRuns.Kind.BACKUP);
        Optional<BackupRuns.Run> drill = runs.newestFinished(BackupRuns.Kind.DRILL);
        metrics.show(backup, drill);
        newestGood = backup.map(BackupRuns.Run::endedAt).orElse(null);
        known = true;
    }

    /** {@link #refresh}, logging instead of throwing (the database may be down). */
    public void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("Could not read the newest backups: {}", e.toString());
        }
    }

    /** When the newest good backup finished, if any was found. */
    public Optional<Instant> newestGood() {
        return Optional.ofNullable(newestGood);
    }

    /** True when enabled and the newest good backup is missing or older than {@link #STALE_AFTER}. */
    public boolean stale() {
        if (!enabled || !known) {
            return false;
        }
        return isStale(Optional.ofNullable(newestGood), clock.instant());
    }

    /** Stale: no good backup, or the newest ended more than {@link #STALE_AFTER} before {@code now}. */
    public static boolean isStale(Optional<Instant> newestGood, Instant now) {
        return newestGood.map(t -> t.isBefore(now.minus(STALE_AFTER))).orElse(true);
    }

    public boolean enabled() {
        return enabled;
    }

    @Override
    public String name() {
        return "backups";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public State check() {
        return stale() ? State.DEGRADED : State.OPERATIONAL;
    }

    @Override
    public String wire(State state) {
        return state == State.OPERATIONAL ? "ok" : "stale";
    }
}
