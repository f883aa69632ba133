package com.levqor.backups;

import static com.levqor.db.jooq.Tables.BACKUPS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.db.jooq.tables.records.BackupsRecord;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * The {@code backups} table: one row per backup or drill. A run's row is written when it starts
 * ({@code running}) and finished once ({@code ok} or {@code failed}); a scheduled run's row carries
 * its cron occurrence, unique per kind, which is what makes an occurrence run once across instances
 * and restarts. A row still {@code running} while its writer holds no lock belongs to a process that
 * died: {@link #failInterrupted} closes it.
 */
public final class BackupRuns {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Long>> COUNTS = new TypeReference<>() {
    };

    /** What a run does. */
    public enum Kind {
        /** pg_dump of the database into BACKUP_DIR. */
        BACKUP,
        /** restore-verify of a backup into a scratch database. */
        DRILL;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a run happened. */
    public enum Trigger {
        /** Its cron occurrence came. */
        SCHEDULE,
        /** A backup occurrence missed while no instance was up, run at the next start. */
        CATCH_UP,
        /** {@code levqor backup} or {@code levqor restore-verify}. */
        CLI;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a run ended, or that it has not. */
    public enum Outcome {
        RUNNING, OK, FAILED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One row. Nullable fields are null while unknown (a run still going, or one that failed early). */
    public record Run(long id, String kind, String triggeredBy, Instant scheduledFor, String instance, String outcome,
                      String file, Long sizeBytes, Integer tableCount, Long rowCount, Map<String, Long> counts,
                      Double parity, Double rtoSeconds, String error, Instant startedAt, Instant finishedAt,
                      Double durationSeconds) {
        /** When it ended, or, for a row that never finished, when it started. */
        public Instant endedAt() {
            return finishedAt != null ? finishedAt : startedAt;
        }
    }

    /**
     * What a finished run found.
     *
     * @param counts rows per table
     * @param parity drills only: matched items over all items
     */
    public record Result(Outcome outcome, String file, Long sizeBytes, Integer tableCount, Long rowCount,
                         Map<String, Long> counts, Double parity, Double rtoSeconds, String error) {
        public static Result failed(String file, String error) {
            return new Result(Outcome.FAILED, file, null, null, null, null, null, null, error);
        }
    }

    private final DSLContext db;

    public BackupRuns(DSLContext db) {
        this.db = db;
    }

    /**
     * Records the start of a run; for a scheduled one, empty when its occurrence is recorded already
     * (another instance ran it, or this one before a restart).
     */
    public Optional<Long> start(Kind kind, Trigger trigger, Instant scheduledFor, String instance, Instant startedAt) {
        return db.insertInto(BACKUPS)
                .set(BACKUPS.KIND, kind.wire())
                .set(BACKUPS.TRIGGERED_BY, trigger.wire())
                .set(BACKUPS.SCHEDULED_FOR, utc(scheduledFor))
                .set(BACKUPS.INSTANCE, instance)
                .set(BACKUPS.OUTCOME, Outcome.RUNNING.wire())
                .set(BACKUPS.STARTED_AT, utc(startedAt))
                .onConflictDoNothing()
                .returning(BACKUPS.ID)
                .fetchOptional(BACKUPS.ID);
    }

    /** True when this occurrence of the kind has a row (ran, runs, or failed). */
    public boolean recorded(Kind kind, Instant scheduledFor) {
        return db.fetchExists(BACKUPS, BACKUPS.KIND.eq(kind.wire()).and(BACKUPS.SCHEDULED_FOR.eq(utc(scheduledFor))));
    }

    /** Finishes a running run once; false when it was not running any more. */
    public boolean finish(long id, Result r, Instant finishedAt, double durationSeconds) {
        return db.update(BACKUPS)
                .set(BACKUPS.OUTCOME, r.outcome().wire())
                .set(BACKUPS.FILE, r.file())
                .set(BACKUPS.SIZE_BYTES, r.sizeBytes())
                .set(BACKUPS.TABLE_COUNT, r.tableCount())
                .set(BACKUPS.ROW_COUNT, r.rowCount())
                .set(BACKUPS.COUNTS, r.counts() == null ? null : JSONB.valueOf(json(r.counts())))
                .set(BACKUPS.PARITY, r.parity())
                .set(BACKUPS.RTO_SECONDS, r.rtoSeconds())
                .set(BACKUPS.ERROR, r.error())
                .set(BACKUPS.FINISHED_AT, utc(finishedAt))
                .set(BACKUPS.DURATION_SECONDS, durationSeconds)
                .where(BACKUPS.ID.eq(id).and(BACKUPS.OUTCOME.eq(Outcome.RUNNING.wire())))
                .execute() == 1;
    }

    /**
     * Fails the runs still marked running. Call only while holding the backup lock: every run holds it
     * until its row is finished, so such a row belongs to a process that died mid-run.
     */
    public List<Run> failInterrupted(Instant now) {
        return db.update(BACKUPS)
                .set(BACKUPS.OUTCOME, Outcome.FAILED.wire())
                .set(BACKUPS.ERROR, "interrupted: the process running it stopped before it finished")
                .set(BACKUPS.FINISHED_AT, DSL.greatest(DSL.val(utc(now)), BACKUPS.STARTED_AT))
                .where(BACKUPS.OUTCOME.eq(Outcome.RUNNING.wire()))
                .returning()
                .fetch().map(BackupRuns::run);
    }

    /** Runs newest first, of one kind or both. */
    public List<Run> list(Optional<Kind> kind, int limit) {
        Condition c = kind.map(k -> BACKUPS.KIND.eq(k.wire())).orElse(DSL.noCondition());
        return db.selectFrom(BACKUPS).where(c).orderBy(BACKUPS.STARTED_AT.desc(), BACKUPS.ID.desc()).limit(limit)
                .fetch().map(BackupRuns::run);
    }

    /** One run by its id. */
    public Optional<Run> get(long id) {
        return db.selectFrom(BACKUPS).where(BACKUPS.ID.eq(id)).fetchOptional().map(BackupRuns::run);
    }

    /** When the newest good backup ended, if there is one. */
    public Optional<Instant> newestGoodBackupAt() {
        return newestOk(Kind.BACKUP).map(Run::endedAt);
    }

    /** The newest run of the kind that ended well. */
    public Optional<Run> newestOk(Kind kind) {
        return db.selectFrom(BACKUPS)
                .where(BACKUPS.KIND.eq(kind.wire()).and(BACKUPS.OUTCOME.eq(Outcome.OK.wire())))
                .orderBy(BACKUPS.STARTED_AT.desc(), BACKUPS.ID.desc()).limit(1)
                .fetchOptional().map(BackupRuns::run);
    }

    /** The newest finished run of the kind, whatever its outcome. */
    public Optional<Run> newestFinished(Kind kind) {
        return db.selectFrom(BACKUPS)
                .where(BACKUPS.KIND.eq(kind.wire()).and(BACKUPS.OUTCOME.ne(Outcome.RUNNING.wire())))
                .orderBy(BACKUPS.STARTED_AT.desc(), BACKUPS.ID.desc()).limit(1)
                .fetchOptional().map(BackupRuns::run);
    }

    private static Run run(BackupsRecord r) {
        return new Run(r.getId(), r.getKind(), r.getTriggeredBy(), instant(r.getScheduledFor()), r.getInstance(),
                r.getOutcome(), r.getFile(), r.getSizeBytes(), r.getTableCount(), r.getRowCount(), counts(r.getCounts()),
                r.getParity(), r.getRtoSeconds(), r.getError(), instant(r.getStartedAt()), instant(r.getFinishedAt()),
                r.getDurationSeconds());
    }

    private static Map<String, Long> counts(JSONB j) {
        if (j == null) {
            return null;
        }
        try {
            return JSON.readValue(j.data(), COUNTS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("backups.counts is not an object of counts: " + e.getMessage(), e);
        }
    }

    private static String json(Map<String, Long> counts) {
        try {
            return JSON.writeValueAsString(counts);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
