package com.levqor.backups;

import com.cronutils.model.Cron;
import com.cronutils.model.time.ExecutionTime;
import com.levqor.backups.BackupRuns.Kind;
import com.levqor.backups.BackupRuns.Trigger;
import com.levqor.config.BackupSettings;
import com.levqor.runtime.Duty;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled backups and drills of {@code serve} ({@code BACKUP_CRON}, {@code RESTORE_DRILL_CRON},
 * UTC), a {@link Duty}: every {@code BACKUP_CHECK_INTERVAL_MS} it refreshes the backups' status and
 * gauges, and runs each kind whose newest cron occurrence has come and is not recorded yet.
 *
 * <p>Exactly one instance runs each occurrence: the occurrence is looked up and recorded (its row in
 * {@code backups}, unique per kind and occurrence) while holding the {@link BackupLock}; an instance
 * that finds the lock taken tries again next round, and then finds the occurrence recorded. A
 * restart during the window finds it recorded too.
 *
 * <p>An occurrence is run on time until {@link #GRACE} after it (or its period, when shorter). A
 * backup occurrence found later than that (no instance was up) is caught up only when the newest
 * good backup is older than the schedule's period (so a process started at 10:00 after a night
 * down backs up at once, unless someone already did); a missed drill waits for its next occurrence.
 */
public final class BackupSchedule implements Duty {
    private static final Logger log = LoggerFactory.getLogger(BackupSchedule.class);
    /** How late an occurrence may still run as scheduled. */
    public static final Duration GRACE = Duration.ofHours(1);

    private final BackupRunner runner;
    private final Clock clock;
    private final Duration interval;
    private final Map<Kind, ExecutionTime> crons = new EnumMap<>(Kind.class);
    private final Map<Kind, Instant> handled = new EnumMap<>(Kind.class);
    private boolean checkedTools;

    public BackupSchedule(BackupRunner runner, BackupSettings settings, Clock clock) {
        this.runner = runner;
        this.clock = clock;
        this.interval = Duration.ofMillis(settings.checkIntervalMillis());
        crons.put(Kind.BACKUP, ExecutionTime.forCron(settings.backupCron()));
        crons.put(Kind.DRILL, ExecutionTime.forCron(settings.drillCron()));
    }

    @Override
    public String name() {
        return "backups";
    }

    @Override
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean runOnce() throws SQLException, InterruptedException {
        if (!checkedTools) {
            checkedTools = true;
            checkTools();
        }
        runner.status().refreshQuietly();
        for (Kind kind : Kind.values()) {
            runIfDue(kind);
        }
        return false;
    }

    /** Says at start, not first at 03:00, when pg_dump or psql will be missing. */
    private void checkTools() {
        try {
            runner.tools();
        } catch (PgToolsMissingException e) {
            log.error("Backups are enabled (BACKUPS_ENABLED) but will fail: {}", e.getMessage());
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not check pg_dump and psql against the server: {}", e.toString());
        }
    }

    private void runIfDue(Kind kind) throws SQLException, InterruptedException {
        Instant now = clock.instant();
        ExecutionTime cron = crons.get(kind);
        Optional<Instant> occurrence = latest(cron, now);
        if (occurrence.isEmpty() || occurrence.get().equals(handled.get(kind))) {
            return;
        }
        Instant at = occurrence.get();
        if (runner.runs().recorded(kind, at)) {
            handled.put(kind, at);
            return;
        }
        Duration period = period(cron, at);
        Trigger trigger = Trigger.SCHEDULE;
        Duration grace = period.compareTo(GRACE) < 0 ? period : GRACE;
        if (!now.isBefore(at.plus(grace))) {
            if (kind == Kind.DRILL || !backupStale(now, period)) {
                handled.put(kind, at);
                log.info("The {} of {} was missed (no instance was up); {}", kind.wire(), at, kind == Kind.DRILL
                        ? "the next runs at " + next(cron, now) : "a good backup is recent enough");
                return;
            }
            trigger = Trigger.CATCH_UP;
        }
        Optional<BackupLock> lock = runner.tryLock();
        if (lock.isEmpty()) {
            return; // another instance is running a backup or drill: look again next round
        }
        try (BackupLock held = lock.get()) {
            runner.closeInterrupted();
            if (runner.runs().recorded(kind, at)) {
                handled.put(kind, at);
                return;
            }
            handled.put(kind, at);
            log.info("Running the {} {} of {}", trigger == Trigger.CATCH_UP ? "missed" : "scheduled", kind.wire(), at);
            if (kind == Kind.BACKUP) {
                runner.backup(trigger, at);
            } else {
                runner.drill(trigger, at, Optional.empty());
            }
        } catch (BackupFailedException | PgToolsMissingException | OccurrenceTakenException e) {
            // reported by the runner (recorded as failed, alerted) or run by another process: nothing more here
            log.debug("Scheduled {} of {} ended: {}", kind.wire(), at, e.getMessage());
        }
    }

    /** True when the newest good backup is older than one period of the schedule (or there is none). */
    private boolean backupStale(Instant now, Duration period) {
        return runner.runs().newestGoodBackupAt().map(t -> t.isBefore(now.minus(period))).orElse(true);
    }

    /** The newest occurrence at or before {@code now}. */
    static Optional<Instant> latest(ExecutionTime cron, Instant now) {
        // lastExecution is strictly before its argument: the next whole second includes an occurrence at now.
        return cron.lastExecution(now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1).atZone(ZoneOffset.UTC))
                .map(z -> z.toInstant());
    }

    /** The time between this occurrence and the one before it. */
    static Duration period(ExecutionTime cron, Instant occurrence) {
        return cron.lastExecution(occurrence.atZone(ZoneOffset.UTC))
                .map(prev -> Duration.between(prev.toInstant(), occurrence))
                .orElse(Duration.ofDays(1));
    }

    private static String next(ExecutionTime cron, Instant now) {
        return cron.nextExecution(now.atZone(ZoneOffset.UTC)).map(z -> z.toInstant().toString()).orElse("never");
    }

    /** When the kind next runs after {@code now}, for {@code GET /ops/backups}. */
    public static Optional<Instant> nextOccurrence(Cron cron, Instant now) {
        return ExecutionTime.forCron(cron).nextExecution(now.atZone(ZoneOffset.UTC)).map(z -> z.toInstant());
    }
}
