package com.levqor.jobs;

import com.levqor.jobs.model.JobRef;

import com.levqor.jobs.model.Priority;

import com.levqor.jobs.model.JobState;

import static com.levqor.db.jooq.Tables.JOBS;

import com.levqor.db.ArrayColumns;
import com.levqor.db.FixedSql;
import com.levqor.db.Jdbc;
import com.levqor.db.jooq.tables.records.JobsRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The job table. Every state transition of {@link JobState} is one named method here doing a
 * guarded {@code UPDATE … WHERE state = expected}; an update count of 0 means someone else won,
 * and the caller handles it. Work that touches many jobs is done in batches.
 */
public final class JobStore {
    private static final String QUEUED = JobState.QUEUED.wire();
    private static final String RUNNING = JobState.RUNNING.wire();
    private static final String SUCCEEDED = JobState.SUCCEEDED.wire();
    private static final String FAILED = JobState.FAILED.wire();
    private static final String DEAD = JobState.DEAD.wire();
    private static final String CANCELLED = JobState.CANCELLED.wire();
    /** Longest error text kept per job (the stack's top is what matters). */
    static final int MAX_ERROR_CHARS = 4_000;

    private final DSLContext db;
    private final FixedSql claim;
    private final FixedSql succeed;
    private final DeadJobListener onDead;

    public JobStore(DSLContext db) {
        this(db, DeadJobListener.NONE);
    }

    /** @param onDead told, in the completion's transaction, of each job that went dead */
    public JobStore(DSLContext db, DeadJobListener onDead) {
        this.db = db;
        this.onDead = onDead;
        this.claim = claimStatement(db);
        this.succeed = succeedStatement(db).plannedPerExecution();
    }

    public DSLContext dsl() {
        return db;
    }

    static OffsetDateTime at(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    static String clip(String s) {
        return s == null || s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS);
    }

    /** Callback delivery becomes pending when a job with a callback reaches a final state. */
    private static Field<String> callbackPending() {
        return DSL.when(JOBS.CALLBACK_URL.isNotNull(), DSL.inline("pending")).otherwise(JOBS.CALLBACK_STATE);
    }

    // ---------------------------------------------------------------- claim: queued -> running

    /**
     * Claims the given jobs for {@code owner}: {@code queued} (and due) to {@code running}, attempt + 1,
     * lease set, in one guarded update. Ids already claimed, not due or locked by a concurrent claim are
     * skipped: whoever wins the claim runs the job; the others do nothing.
     */
    public List<ClaimedJob> claim(Collection<UUID> ids, String owner, Instant now, Duration lease) {
        if (ids.isEmpty()) {
            return List.of();
        }
        // The claim's commit does not wait for the disk: losing it in a crash only makes the job run again
        // (its completion, written later with a synchronous commit, is durable only after the claim is).
        return Jdbc.transaction(db, c -> {
            try (java.sql.Statement set = c.createStatement()) {
                set.execute("set local synchronous_commit to off");
            }
            try (FixedSql.Bound s = claim.prepare(c)) {
                return s.set("ids", ids.toArray(UUID[]::new)).set("now", at(now)).set("owner", owner)
                        .set("expires", at(now.plus(lease)))
                        .fetch(rs -> new ClaimedJob(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                                rs.getString(3), rs.getString(4), Priority.ofLevel(rs.getShort(5)), rs.getInt(6),
                                rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getObject(10, OffsetDateTime.class).toInstant(),
                                now, rs.getString(11) != null));
            }
        });
    }

    private static FixedSql claimStatement(DSLContext db) {
        Field<OffsetDateTime> now = DSL.param("now", JOBS.STARTED_AT);
        var candidates = DSL.select(JOBS.ID).from(JOBS)
                .where(JOBS.ID.eq(DSL.any(DSL.param("ids", SQLDataType.UUID.getArrayDataType()))))
                .and(JOBS.STATE.eq(DSL.inline(QUEUED))).and(JOBS.RUN_AT.le(now))
                .forUpdate().skipLocked();
        return FixedSql.of(db, DSL.update(JOBS)
                .set(JOBS.STATE, DSL.inline(RUNNING))
                .set(JOBS.ATTEMPT, JOBS.ATTEMPT.plus(DSL.inline(1)))
                .set(JOBS.STARTED_AT, now)
                .set(JOBS.FINISHED_AT, DSL.castNull(JOBS.FINISHED_AT))
                .set(JOBS.LEASE_OWNER, DSL.param("owner", JOBS.LEASE_OWNER))
                .set(JOBS.LEASE_EXPIRES_AT, DSL.param("expires", JOBS.LEASE_EXPIRES_AT))
                .set(JOBS.UPDATED_AT, now)
                .where(JOBS.ID.in(candidates))
                .returningResult(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.PAYLOAD, JOBS.PRIORITY, JOBS.ATTEMPT,
                        JOBS.ATTEMPT_OFFSET, JOBS.MAX_ATTEMPTS, JOBS.TIMEOUT_SECONDS, JOBS.RUN_AT, JOBS.CALLBACK_URL));
    }

    /**
     * Renews the leases of jobs {@code owner} still holds; returns the ids it still holds. Never waits
     * for a row lock: a row locked meanwhile (its outcome being recorded, a cancel) is still held and
     * is renewed next time (a third of a lease later), so a renewal cannot deadlock with a completion
     * batch that updates the same rows in another order.
     */
    public Set<UUID> renewLeases(String owner, Collection<UUID> ids, Instant now, Duration lease) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        UUID[] wanted = ids.toArray(UUID[]::new);
        Set<UUID> held = new HashSet<>(db.select(JOBS.ID).from(JOBS)
                .where(JOBS.ID.eq(DSL.any(wanted))).and(JOBS.STATE.eq(RUNNING)).and(JOBS.LEASE_OWNER.eq(owner))
                .fetch(org.jooq.Record1::value1));
        if (held.isEmpty()) {
            return held;
        }
        var unlocked = DSL.select(JOBS.ID).from(JOBS)
                .where(JOBS.ID.eq(DSL.any(held.toArray(UUID[]::new)))).and(JOBS.STATE.eq(RUNNING))
                .and(JOBS.LEASE_OWNER.eq(owner))
                .forUpdate().skipLocked();
        db.update(JOBS)
                .set(JOBS.LEASE_EXPIRES_AT, at(now.plus(lease)))
                .where(JOBS.ID.in(unlocked))
                .execute();
        return held;
    }

    // ---------------------------------------------------------------- completions: running -> …

    /** The outcome of one attempt, as the executor decided it. */
    public sealed interface Outcome permits Succeeded, Failed, Dead, Released {
        ClaimedJob job();
    }

    /** running -> succeeded, with the result (raw JSON). */
    public record Succeeded(ClaimedJob job, String resultJson, Instant at) implements Outcome {
    }

    /** running -> failed: another attempt at {@code retryAt}. */
    public record Failed(ClaimedJob job, String error, Instant at, Instant retryAt) implements Outcome {
    }

    /** running -> dead: attempts exhausted. */
    public record Dead(ClaimedJob job, String error, Instant at) implements Outcome {
    }

    /** running -> queued: released at shutdown without counting the attempt. */
    public record Released(ClaimedJob job, Instant at) implements Outcome {
    }

    /** The update of an outcome other than success (those are written together by {@link #succeedAll}). */
    private static Query completion(DSLContext t, Outcome o) {
        ClaimedJob j = o.job();
        Condition current = JOBS.ID.eq(j.id()).and(JOBS.ATTEMPT.eq(j.attempt())).and(JOBS.STATE.eq(RUNNING));
        if (o instanceof Succeeded) {
            throw new IllegalArgumentException("successes are written by succeedAll");
        } else if (o instanceof Failed f) {
            return t.update(JOBS)
                    .set(JOBS.STATE, FAILED)
                    .set(JOBS.LAST_ERROR, clip(f.error()))
                    .set(JOBS.RUN_AT, at(f.retryAt()))
                    .set(JOBS.DISPATCHED_AT, (OffsetDateTime) null)
                    .set(JOBS.UPDATED_AT, at(f.at()))
                    .set(JOBS.LEASE_OWNER, (String) null)
                    .set(JOBS.LEASE_EXPIRES_AT, (OffsetDateTime) null)
                    .where(current);
        } else if (o instanceof Dead d) {
            return t.update(JOBS)
                    .set(JOBS.STATE, DEAD)
                    .set(JOBS.LAST_ERROR, clip(d.error()))
                    .set(JOBS.FINISHED_AT, at(d.at()))
                    .set(JOBS.UPDATED_AT, at(d.at()))
                    .set(JOBS.LEASE_OWNER, (String) null)
                    .set(JOBS.LEASE_EXPIRES_AT, (OffsetDateTime) null)
                    .set(JOBS.CALLBACK_STATE, callbackPending())
                    .set(JOBS.CALLBACK_NEXT_AT, at(d.at()))
                    .where(current);
        } else {
            Released r = (Released) o;
            return t.update(JOBS)
                    .set(JOBS.STATE, QUEUED)
                    .set(JOBS.ATTEMPT_OFFSET, JOBS.ATTEMPT_OFFSET.plus(1))
                    .set(JOBS.DISPATCHED_AT, (OffsetDateTime) null)
                    .set(JOBS.UPDATED_AT, at(r.at()))
                    .set(JOBS.LEASE_OWNER, (String) null)
                    .set(JOBS.LEASE_EXPIRES_AT, (OffsetDateTime) null)
                    .where(current);
        }
    }

    /**
     * Records outcomes in one transaction. Each is accepted only with the job's current attempt
     * number while it is still running; returns, per outcome, whether it was accepted. Successes, the
     * bulk of the traffic, are written by one {@code UPDATE … FROM} over one array per column.
     */
    public boolean[] complete(List<Outcome> outcomes) {
        boolean[] accepted = new boolean[outcomes.size()];
        if (outcomes.isEmpty()) {
            return accepted;
        }
        Jdbc.transaction(db, c -> {
            List<Integer> successes = new ArrayList<>();
            List<Integer> others = new ArrayList<>();
            for (int i = 0; i < outcomes.size(); i++) {
                (outcomes.get(i) instanceof Succeeded ? successes : others).add(i);
            }
            if (!successes.isEmpty()) {
                Set<UUID> done = succeedAll(c, successes.stream().map(i -> (Succeeded) outcomes.get(i)).toList());
                for (int i : successes) {
                    accepted[i] = done.contains(outcomes.get(i).job().id());
                }
            }
            if (!others.isEmpty()) {
                DSLContext t = Jdbc.dsl(db, c);
                List<Query> queries = new ArrayList<>(others.size());
                for (int i : others) {
                    queries.add(completion(t, outcomes.get(i)));
                }
                int[] counts = queries.size() == 1 ? new int[] {queries.get(0).execute()} : t.batch(queries).execute();
                for (int k = 0; k < counts.length; k++) {
                    accepted[others.get(k)] = counts[k] > 0 || counts[k] == java.sql.Statement.SUCCESS_NO_INFO;
                    if (accepted[others.get(k)] && outcomes.get(others.get(k)) instanceof Dead d) {
                        onDead.died(t, d.job(), d.error(), d.at());
                    }
                }
            }
            return null;
        });
        return accepted;
    }

    /** running -> succeeded for many jobs in one statement; returns the ids accepted (current attempt, still running). */
    private Set<UUID> succeedAll(java.sql.Connection c, List<Succeeded> list) {
        int n = list.size();
        UUID[] ids = new UUID[n];
        Integer[] attempts = new Integer[n];
        String[] results = new String[n];
        OffsetDateTime[] finished = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            Succeeded s = list.get(i);
            ids[i] = s.job().id();
            attempts[i] = s.job().attempt();
            results[i] = s.resultJson();
            finished[i] = at(s.at());
        }
        try (FixedSql.Bound s = succeed.prepare(c)) {
            return new HashSet<>(s.set("s_id", ids).set("s_attempt", attempts).set("s_result", results)
                    .set("s_finished", finished).fetch(rs -> rs.getObject(1, UUID.class)));
        }
    }

    private static FixedSql succeedStatement(DSLContext db) {
        ArrayColumns a = new ArrayColumns("v");
        Field<UUID> vId = a.column("s_id", SQLDataType.UUID);
        Field<Integer> vAttempt = a.column("s_attempt", SQLDataType.INTEGER);
        Field<JSONB> vResult = a.column("s_result", SQLDataType.CLOB).cast(SQLDataType.JSONB);
        Field<OffsetDateTime> vFinished = a.column("s_finished", SQLDataType.TIMESTAMPWITHTIMEZONE(6));
        return FixedSql.of(db, DSL.update(JOBS)
                .set(JOBS.STATE, DSL.inline(SUCCEEDED))
                .set(JOBS.RESULT, vResult)
                .set(JOBS.LAST_ERROR, DSL.castNull(JOBS.LAST_ERROR))
                .set(JOBS.FINISHED_AT, vFinished)
                .set(JOBS.UPDATED_AT, vFinished)
                .set(JOBS.LEASE_OWNER, DSL.castNull(JOBS.LEASE_OWNER))
                .set(JOBS.LEASE_EXPIRES_AT, DSL.castNull(JOBS.LEASE_EXPIRES_AT))
                .set(JOBS.CALLBACK_STATE, callbackPending())
                .set(JOBS.CALLBACK_NEXT_AT, vFinished)
                .from(a.rows())
                .where(JOBS.ID.eq(vId)).and(JOBS.ATTEMPT.eq(vAttempt)).and(JOBS.STATE.eq(DSL.inline(RUNNING)))
                .returningResult(JOBS.ID));
    }

    // ---------------------------------------------------------------- cancel: queued|failed|running -> cancelled

    /** What a cancel did. */
    public record Cancelled(boolean changed, JobState stateBefore) {
    }

    /**
     * Cancels an account's job that is queued, waiting for a retry or running (the worker running it
     * learns at its next lease renewal, or at once when it is in this process). Empty: no such job.
     */
    public Optional<Cancelled> cancel(UUID accountId, UUID id, Instant now) {
        return db.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Record r = t.select(JOBS.STATE).from(JOBS).where(JOBS.ID.eq(id)).and(JOBS.ACCOUNT_ID.eq(accountId))
                    .forUpdate().fetchOne();
            if (r == null) {
                return Optional.empty();
            }
            JobState before = JobState.fromWire(r.get(JOBS.STATE)).orElseThrow();
            if (before.isFinal()) {
                return Optional.of(new Cancelled(false, before));
            }
            int n = t.update(JOBS)
                    .set(JOBS.STATE, CANCELLED)
                    .set(JOBS.FINISHED_AT, at(now))
                    .set(JOBS.UPDATED_AT, at(now))
                    .set(JOBS.LEASE_OWNER, (String) null)
                    .set(JOBS.LEASE_EXPIRES_AT, (OffsetDateTime) null)
                    .set(JOBS.CALLBACK_STATE, callbackPending())
                    .set(JOBS.CALLBACK_NEXT_AT, at(now))
                    .where(JOBS.ID.eq(id)).and(JOBS.STATE.in(QUEUED, FAILED, RUNNING))
                    .execute();
            return Optional.of(new Cancelled(n == 1, before));
        });
    }

    // ---------------------------------------------------------------- sweeper transitions

    /** A job whose lease expired, as the sweeper left it. */
    public record Rescued(UUID id, UUID accountId, String workflow, JobState state, int attempt) {
    }

    /**
     * running (lease expired) -> failed (due now) or dead when its attempts are used up. The worker
     * that held it is gone or too slow; its late completion will not be accepted.
     */
    public List<Rescued> rescueExpiredLeases(Instant now, int limit) {
        OffsetDateTime t = at(now);
        var expired = DSL.select(JOBS.ID).from(JOBS)
                .where(JOBS.STATE.eq(RUNNING)).and(JOBS.LEASE_EXPIRES_AT.lt(t))
                .limit(limit).forUpdate().skipLocked();
        Condition exhausted = JOBS.ATTEMPT.minus(JOBS.ATTEMPT_OFFSET).ge(JOBS.MAX_ATTEMPTS);
        return db.update(JOBS)
                .set(JOBS.STATE, DSL.when(exhausted, DSL.inline(DEAD)).otherwise(DSL.inline(FAILED)))
                .set(JOBS.LAST_ERROR, DSL.concat(DSL.inline("lease expired: the worker "),
                        DSL.coalesce(JOBS.LEASE_OWNER, DSL.inline("?")),
                        DSL.inline(" stopped renewing it during attempt "), JOBS.ATTEMPT.cast(String.class)))
                .set(JOBS.RUN_AT, t)
                .set(JOBS.DISPATCHED_AT, (OffsetDateTime) null)
                .set(JOBS.FINISHED_AT, DSL.when(exhausted, DSL.val(t)).otherwise(DSL.castNull(JOBS.FINISHED_AT)))
                .set(JOBS.CALLBACK_STATE, DSL.when(exhausted.and(JOBS.CALLBACK_URL.isNotNull()), DSL.inline("pending"))
                        .otherwise(JOBS.CALLBACK_STATE))
                .set(JOBS.CALLBACK_NEXT_AT, t)
                .set(JOBS.UPDATED_AT, t)
                .set(JOBS.LEASE_OWNER, (String) null)
                .set(JOBS.LEASE_EXPIRES_AT, (OffsetDateTime) null)
                .where(JOBS.ID.in(expired))
                .returning(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.STATE, JOBS.ATTEMPT)
                .fetch(r -> new Rescued(r.getId(), r.getAccountId(), r.getWorkflow(),
                        JobState.fromWire(r.getState()).orElseThrow(), r.getAttempt()));
    }

    /** failed (retry due) -> queued, undelivered, so the same sweep dispatches it. */
    public int promoteDueRetries(Instant now, int limit) {
        OffsetDateTime t = at(now);
        var due = DSL.select(JOBS.ID).from(JOBS).where(JOBS.STATE.eq(FAILED)).and(JOBS.RUN_AT.le(t))
                .limit(limit).forUpdate().skipLocked();
        return db.update(JOBS)
                .set(JOBS.STATE, QUEUED)
                .set(JOBS.DISPATCHED_AT, (OffsetDateTime) null)
                .set(JOBS.UPDATED_AT, t)
                .where(JOBS.ID.in(due)).and(JOBS.STATE.eq(FAILED))
                .execute();
    }

    /**
     * Queued, due jobs never dispatched since they became due, or dispatched longer than
     * {@code staleAfter} ago without being claimed (pushed to a Redis that died, a lost message; null:
     * never-dispatched ones only): marks them dispatched now and returns them, high priority and oldest
     * first, for dispatching.
     */
    public List<JobRef> takeUndelivered(Instant now, Duration staleAfter, int limit) {
        OffsetDateTime t = at(now);
        var due = DSL.select(JOBS.ID).from(JOBS)
                .where(JOBS.STATE.eq(QUEUED)).and(JOBS.RUN_AT.le(t))
                .and(staleAfter == null ? JOBS.DISPATCHED_AT.isNull()
                        : JOBS.DISPATCHED_AT.isNull().or(JOBS.DISPATCHED_AT.le(at(now.minus(staleAfter)))))
                .orderBy(JOBS.PRIORITY.desc(), JOBS.RUN_AT)
                .limit(limit).forUpdate().skipLocked();
        List<JobRef> refs = new ArrayList<>(db.update(JOBS)
                .set(JOBS.DISPATCHED_AT, t)
                .where(JOBS.ID.in(due)).and(JOBS.STATE.eq(QUEUED))
                .returningResult(JOBS.ID, JOBS.PRIORITY)
                .fetch(r -> new JobRef(r.value1(), Priority.ofLevel(r.value2()))));
        refs.sort((a, b) -> b.priority().level() - a.priority().level());
        return refs;
    }

    // ---------------------------------------------------------------- DLQ: dead -> queued | cancelled

    /** dead -> queued for a fresh round of attempts; by ids, or by workflow, up to {@code limit}. */
    public List<JobRef> retryDead(Collection<UUID> ids, String workflow, int limit, Instant now) {
        OffsetDateTime t = at(now);
        Condition which = JOBS.STATE.eq(DEAD);
        if (ids != null && !ids.isEmpty()) {
            which = which.and(JOBS.ID.in(ids));
        }
        if (workflow != null) {
            which = which.and(JOBS.WORKFLOW.eq(workflow));
        }
        var chosen = DSL.select(JOBS.ID).from(JOBS).where(which).orderBy(JOBS.FINISHED_AT, JOBS.ID)
                .limit(limit).forUpdate().skipLocked();
        return db.update(JOBS)
                .set(JOBS.STATE, QUEUED)
                .set(JOBS.ATTEMPT_OFFSET, JOBS.ATTEMPT)
                .set(JOBS.RUN_AT, t)
                .set(JOBS.DISPATCHED_AT, (OffsetDateTime) null)
                .set(JOBS.FINISHED_AT, (OffsetDateTime) null)
                .set(JOBS.CALLBACK_STATE, (String) null)
                .set(JOBS.CALLBACK_ATTEMPTS, 0)
                .set(JOBS.UPDATED_AT, t)
                .where(JOBS.ID.in(chosen)).and(JOBS.STATE.eq(DEAD))
                .returning(JOBS.ID, JOBS.PRIORITY)
                .fetch(r -> new JobRef(r.getId(), Priority.ofLevel(r.getPriority())));
    }

    /** dead -> cancelled: discarded from the DLQ by the operator (the row and its last error stay). */
    public boolean discardDead(UUID id, Instant now) {
        return db.update(JOBS)
                .set(JOBS.STATE, CANCELLED)
                .set(JOBS.LAST_ERROR, DSL.concat(DSL.inline("discarded from the DLQ; last error: "),
                        DSL.coalesce(JOBS.LAST_ERROR, DSL.inline("none"))))
                .set(JOBS.UPDATED_AT, at(now))
                .where(JOBS.ID.eq(id)).and(JOBS.STATE.eq(DEAD))
                .execute() == 1;
    }

    /** A dead job as the DLQ lists it. */
    public record DeadJob(UUID jobId, UUID accountId, String workflow, int attempts, int maxAttempts,
                          String lastError, Instant createdAt, Instant deadAt) {
    }

    public List<DeadJob> deadJobs(String workflow, int limit) {
        Condition which = JOBS.STATE.eq(DEAD);
        if (workflow != null) {
            which = which.and(JOBS.WORKFLOW.eq(workflow));
        }
        return db.select(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.ATTEMPT, JOBS.MAX_ATTEMPTS, JOBS.LAST_ERROR,
                        JOBS.CREATED_AT, JOBS.FINISHED_AT)
                .from(JOBS).where(which).orderBy(JOBS.FINISHED_AT, JOBS.ID).limit(limit)
                .fetch(r -> new DeadJob(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(),
                        instant(r.value7()), instant(r.value8())));
    }

    public int deadCount(String workflow) {
        Condition which = JOBS.STATE.eq(DEAD);
        if (workflow != null) {
            which = which.and(JOBS.WORKFLOW.eq(workflow));
        }
        return db.fetchCount(JOBS, which);
    }

    // ---------------------------------------------------------------- reads

    private static Job view(JobsRecord r) {
        return new Job(r.getId(), r.getWorkflow(), r.getState(), Priority.ofLevel(r.getPriority()).wire(),
                r.getAttempt(), r.getMaxAttempts(), r.getTimeoutSeconds(), instant(r.getCreatedAt()),
                instant(r.getRunAt()), instant(r.getStartedAt()), instant(r.getFinishedAt()),
                r.getResult() == null ? null : r.getResult().data(), r.getLastError(), r.getIdempotencyKey(),
                r.getCallbackUrl(), r.getCallbackState(), r.getCost());
    }

    /** An account's job; empty for another account's or an unknown id. */
    public Optional<Job> find(UUID accountId, UUID id) {
        return db.selectFrom(JOBS).where(JOBS.ID.eq(id)).and(JOBS.ACCOUNT_ID.eq(accountId)).fetchOptional()
                .map(JobStore::view);
    }

    /** Any job by id (operators, tests). */
    public Optional<Job> find(UUID id) {
        return db.selectFrom(JOBS).where(JOBS.ID.eq(id)).fetchOptional().map(JobStore::view);
    }

    /** An account's jobs, newest first, after {@code cursor} (an id from the previous page). */
    public List<Job> list(UUID accountId, JobState state, int limit, UUID cursor) {
        Condition c = JOBS.ACCOUNT_ID.eq(accountId);
        if (state != null) {
            c = c.and(JOBS.STATE.eq(state.wire()));
        }
        if (cursor != null) {
            c = c.and(JOBS.ID.lt(cursor));
        }
        return db.selectFrom(JOBS).where(c).orderBy(JOBS.ID.desc()).limit(limit).fetch(JobStore::view);
    }

    /** The numbers of queue health. */
    public record Counts(long depth, long delayed, long running, long retry, long dlq) {
    }

    /**
     * One scalar count per state, each read from that state's partial index, so the cost follows the
     * jobs in those states, not the table's history of finished jobs.
     */
    public Counts counts(Instant now) {
        OffsetDateTime t = at(now);
        Record r = db.select(
                        DSL.field(DSL.selectCount().from(JOBS).where(JOBS.STATE.eq(QUEUED)).and(JOBS.RUN_AT.le(t))),
                        DSL.field(DSL.selectCount().from(JOBS).where(JOBS.STATE.eq(QUEUED)).and(JOBS.RUN_AT.gt(t))),
                        DSL.field(DSL.selectCount().from(JOBS).where(JOBS.STATE.eq(RUNNING))),
                        DSL.field(DSL.selectCount().from(JOBS).where(JOBS.STATE.eq(FAILED))),
                        DSL.field(DSL.selectCount().from(JOBS).where(JOBS.STATE.eq(DEAD))))
                .fetchOne();
        return new Counts(r.get(0, Long.class), r.get(1, Long.class), r.get(2, Long.class), r.get(3, Long.class),
                r.get(4, Long.class));
    }

    // ---------------------------------------------------------------- callback deliveries (not job states)

    /** A final state to deliver to a job's callback_url. */
    public record CallbackDue(UUID jobId, UUID accountId, String workflow, String state, int attempts,
                              String resultJson, String lastError, Instant finishedAt, String callbackUrl,
                              int deliveries) {
    }

    /** Takes pending deliveries that are due, holding each for {@code hold} (another sender skips it meanwhile). */
    public List<CallbackDue> takeDueCallbacks(Instant now, Duration hold, int limit) {
        OffsetDateTime t = at(now);
        var due = DSL.select(JOBS.ID).from(JOBS)
                .where(JOBS.CALLBACK_STATE.eq("pending")).and(JOBS.CALLBACK_NEXT_AT.le(t))
                .orderBy(JOBS.CALLBACK_NEXT_AT).limit(limit).forUpdate().skipLocked();
        return db.update(JOBS)
                .set(JOBS.CALLBACK_NEXT_AT, at(now.plus(hold)))
                .where(JOBS.ID.in(due)).and(JOBS.CALLBACK_STATE.eq("pending"))
                .returning(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.STATE, JOBS.ATTEMPT, JOBS.RESULT,
                        JOBS.LAST_ERROR, JOBS.FINISHED_AT, JOBS.CALLBACK_URL, JOBS.CALLBACK_ATTEMPTS)
                .fetch(r -> new CallbackDue(r.getId(), r.getAccountId(), r.getWorkflow(), r.getState(), r.getAttempt(),
                        r.getResult() == null ? null : r.getResult().data(), r.getLastError(),
                        instant(r.getFinishedAt()), r.getCallbackUrl(), r.getCallbackAttempts()));
    }

    /** pending -> delivered. */
    public void callbackDelivered(UUID id, Instant now) {
        db.update(JOBS).set(JOBS.CALLBACK_STATE, "delivered")
                .set(JOBS.CALLBACK_ATTEMPTS, JOBS.CALLBACK_ATTEMPTS.plus(1))
                .set(JOBS.CALLBACK_ERROR, (String) null)
                .set(JOBS.CALLBACK_NEXT_AT, (OffsetDateTime) null)
                .where(JOBS.ID.eq(id)).and(JOBS.CALLBACK_STATE.eq("pending")).execute();
    }

    /** pending -> pending again at {@code nextAt}, or failed (given up) when {@code nextAt} is null. */
    public void callbackFailed(UUID id, String error, Instant nextAt) {
        db.update(JOBS).set(JOBS.CALLBACK_STATE, nextAt == null ? "failed" : "pending")
                .set(JOBS.CALLBACK_ATTEMPTS, JOBS.CALLBACK_ATTEMPTS.plus(1))
                .set(JOBS.CALLBACK_ERROR, clip(error))
                .set(JOBS.CALLBACK_NEXT_AT, at(nextAt))
                .where(JOBS.ID.eq(id)).and(JOBS.CALLBACK_STATE.eq("pending")).execute();
    }
}
