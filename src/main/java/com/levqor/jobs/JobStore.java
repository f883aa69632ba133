package com.levqor.jobs;

import com.levqor.jobs.model.JobRef;

import com.levqor.jobs.model.Priority;

import com.levqor.jobs.model.JobState;

import static com.levqor.db.jooq.Tables.JOBS;

import com.levqor.db.ArrayColumns;
import com.levqor.db.CommitOutcomeUnknown;
import com.levqor.db.FixedSql;
import com.levqor.db.Jdbc;
import com.levqor.db.jooq.tables.records.JobsRecord;
import com.levqor.runtime.Once;
import com.levqor.usage.Charges;
import com.levqor.usage.UsageLedger;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertOnDuplicateStep;
import org.jooq.JSONB;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.Select;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The job table: nothing else writes job state. New jobs come in through intake's inserts (one
 * statement per batch, rendered once: {@link FixedSql}); every state transition of {@link JobState}
 * is one named method here doing a guarded {@code UPDATE … WHERE state = expected}; an update count
 * of 0 means someone else won, and the caller handles it. Work that touches many jobs is done in batches.
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
    private final DeadJobListener onDead;
    /**
     * The statements rendered once for every store of this dialect and settings, at their first use or
     * by {@link #prepareStatements} (rendering them took a tenth of a second of a cold start).
     */
    private final Once<Statements> sql;

    public JobStore(DSLContext db) {
        this(db, DeadJobListener.NONE);
    }

    /**
     * @param onDead told of each job that goes dead, in the transaction that records it: a worker's
     *               dead outcome ({@link #complete}) and a lease rescued on its last attempt
     *               ({@link #rescueExpiredLeases})
     */
    public JobStore(DSLContext db, DeadJobListener onDead) {
        this.db = db;
        this.onDead = onDead;
        this.sql = new Once<>(() -> Statements.of(db));
    }

    /**
     * The statements rendered once per dialect and jOOQ settings: a process has several stores (the
     * intake's, the sweeper's, the admin routes') on the same schema, and rendering them is a
     * measurable part of a cold start.
     */
    private record Statements(FixedSql claim, FixedSql succeed, FixedSql withKeys, FixedSql insertAll,
                              FixedSql insertUnlessKeyTaken, FixedSql insertCharged) {
        private static final ConcurrentHashMap<List<Object>, Statements> RENDERED = new ConcurrentHashMap<>();

        static Statements of(DSLContext db) {
            return RENDERED.computeIfAbsent(List.of(db.dialect(), db.settings()), key -> render(db));
        }

        private static Statements render(DSLContext db) {
            FixedSql claim = claimStatement(db);
            FixedSql succeed = succeedStatement(db).plannedPerExecution();
            ArrayColumns k = new ArrayColumns("k");
            Field<UUID> kAccount = k.column("k_account", SQLDataType.UUID);
            Field<String> kKey = k.column("k_key", SQLDataType.CLOB);
            FixedSql withKeys = FixedSql.of(db, DSL.select(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.IDEMPOTENCY_KEY, JOBS.STATE)
                    .from(JOBS)
                    .where(DSL.row(JOBS.ACCOUNT_ID, JOBS.IDEMPOTENCY_KEY).in(DSL.select(kAccount, kKey).from(k.rows()))))
                    .plannedPerExecution();
            // Without keys nothing can conflict (the ids are new): the row count is the answer.
            FixedSql insertAll = FixedSql.of(db, insertJobs());
            // With idempotency keys a row may be skipped (the key was taken meanwhile): the ids inserted come back.
            FixedSql insertUnlessKeyTaken = FixedSql.of(db, insertJobs().onConflictDoNothing().returningResult(JOBS.ID));
            return new Statements(claim, succeed, withKeys, insertAll, insertUnlessKeyTaken,
                    insertChargedStatement(db));
        }
    }

    /** Renders the statements now rather than at their first use (called once the server answers). */
    public void prepareStatements() {
        sql.get();
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

    /**
     * An error text as stored: at most {@link #MAX_ERROR_CHARS}, and a NUL character (which a Postgres
     * text column refuses, failing the whole statement) written as the six characters <code>&#92;u0000</code>.
     */
    static String clip(String s) {
        if (s == null) {
            return null;
        }
        String text = s.indexOf('\0') < 0 ? s : s.replace("\0", "\\u0000");
        return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS);
    }

    /**
     * The rows a locking, limited choice picked ({@code SELECT id … LIMIT n FOR UPDATE SKIP LOCKED}),
     * chosen once. Written as {@code id IN (that select)}, the planner may run the choice again for every
     * row of a nested loop, and each run skips the rows the statement has just updated: the update then
     * takes every matching row, not n (25 rows taken with a limit of 10 in UndeliveredDispatchTest).
     * {@code = ANY(ARRAY(…))} evaluates the choice once.
     */
    private static Condition chosen(Select<? extends Record1<UUID>> choice) {
        return JOBS.ID.eq(DSL.any(DSL.array(choice)));
    }

    /** Callback delivery becomes pending when a job with a callback reaches a final state. */
    private static Field<String> callbackPending() {
        return DSL.when(JOBS.CALLBACK_URL.isNotNull(), DSL.inline("pending")).otherwise(JOBS.CALLBACK_STATE);
    }

    // ---------------------------------------------------------------- intake: new -> queued

    /** An idempotency key is unique per account: the key of a job's (account, idempotency key) pair. */
    static String idempotencyKey(UUID account, String key) {
        return account + "/" + key;
    }

    /**
     * The jobs already holding the given idempotency keys ({@code accounts[i]}, {@code keys[i]}), by
     * {@link #idempotencyKey}.
     */
    Map<String, IntakeResult.Existing> withIdempotencyKeys(Connection c, UUID[] accounts, String[] keys) {
        Map<String, IntakeResult.Existing> found = new HashMap<>();
        try (FixedSql.Bound s = sql.get().withKeys().prepare(c)) {
            s.set("k_account", accounts).set("k_key", keys)
                    .fetch(rs -> found.put(idempotencyKey(rs.getObject(2, UUID.class), rs.getString(3)),
                            new IntakeResult.Existing(rs.getObject(1, UUID.class), rs.getString(4))));
        }
        return found;
    }

    /**
     * Inserts the jobs as {@code queued} with the ids given ({@code ids[i]} for {@code jobs[i]}), and charges their
     * accounts, in one statement that commits by itself (one round trip; a usage row is locked only
     * while it commits). Nothing is written when an account would pass its budget: the statement then
     * fails with {@link UsageLedger#overBudget}. A failure that leaves the commit's outcome unknown is
     * a {@link CommitOutcomeUnknown}. Returns the number of jobs inserted.
     *
     * @param delivers whether the due jobs are dispatched right after the commit ({@code dispatched_at} set)
     */
    long insertCharged(NewJob[] jobs, UUID[] ids, Instant now, boolean delivers, UsageLedger ledger, Charges charges) {
        return Jdbc.withConnection(db, c -> {
            try (FixedSql.Bound s = sql.get().insertCharged().prepare(c)) {
                bindNew(s, jobs, ids, now, delivers);
                ledger.bindCharge(s, charges, UsageLedger.day(now));
                return s.fetch(rs -> rs.getLong(1)).get(0);
            } catch (DataAccessException e) {
                throw CommitOutcomeUnknown.ofCommit(e); // the statement is its own transaction
            }
        });
    }

    /**
     * Inserts the jobs as {@code queued} with the ids given ({@code ids[i]} for {@code jobs[i]}), inside the caller's
     * transaction, in one statement whose text does not depend on their number (one array per
     * column); a job whose idempotency key is taken meanwhile (by another process) is skipped.
     * Returns the ids inserted.
     */
    Set<UUID> insert(Connection c, NewJob[] jobs, UUID[] ids, Instant now, boolean delivers) {
        boolean anyKey = false;
        for (NewJob j : jobs) {
            anyKey |= j.idempotencyKey() != null;
        }
        try (FixedSql.Bound s = (anyKey ? sql.get().insertUnlessKeyTaken() : sql.get().insertAll()).prepare(c)) {
            bindNew(s, jobs, ids, now, delivers);
            if (anyKey) {
                return new HashSet<>(s.fetch(rs -> rs.getObject(1, UUID.class)));
            }
            int n = s.execute();
            if (n != jobs.length) {
                throw new IllegalStateException("inserted " + n + " of " + jobs.length + " jobs");
            }
            return Set.of(ids);
        }
    }

    /** Binds the jobs as new rows, one array per column. */
    private static void bindNew(FixedSql.Bound s, NewJob[] jobs, UUID[] ids, Instant now, boolean delivers) {
        int count = jobs.length;
        OffsetDateTime t = at(now);
        UUID[] accounts = new UUID[count];
        String[] workflows = new String[count];
        String[] payloads = new String[count];
        Short[] priorities = new Short[count];
        Integer[] maxAttempts = new Integer[count];
        Integer[] timeouts = new Integer[count];
        OffsetDateTime[] runAt = new OffsetDateTime[count];
        OffsetDateTime[] dispatchedAt = new OffsetDateTime[count];
        String[] keys = new String[count];
        String[] callbacks = new String[count];
        Integer[] costs = new Integer[count];
        for (int k = 0; k < count; k++) {
            NewJob j = jobs[k];
            boolean isDue = !j.runAt().isAfter(now);
            accounts[k] = j.accountId();
            workflows[k] = j.workflow();
            payloads[k] = j.payloadJson();
            priorities[k] = (short) j.priority().level();
            maxAttempts[k] = j.maxAttempts();
            timeouts[k] = j.timeoutSeconds();
            runAt[k] = isDue ? t : at(j.runAt());
            dispatchedAt[k] = isDue && delivers ? t : null;
            keys[k] = j.idempotencyKey();
            callbacks[k] = j.callbackUrl();
            costs[k] = j.cost();
        }
        s.set("id", ids).set("account_id", accounts).set("workflow", workflows).set("payload", payloads)
                .set("priority", priorities).set("max_attempts", maxAttempts).set("timeout_seconds", timeouts)
                .set("run_at", runAt).set("dispatched_at", dispatchedAt).set("idempotency_key", keys)
                .set("callback_url", callbacks).set("cost", costs).set("now", t);
    }

    /** A new insert of jobs from one array per column (jOOQ's builder is mutable: one per statement). */
    private static InsertOnDuplicateStep<JobsRecord> insertJobs() {
        ArrayColumns a = new ArrayColumns("u");
        return DSL.insertInto(JOBS).columns(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.PAYLOAD,
                        JOBS.STATE, JOBS.PRIORITY, JOBS.ATTEMPT, JOBS.ATTEMPT_OFFSET, JOBS.MAX_ATTEMPTS,
                        JOBS.TIMEOUT_SECONDS, JOBS.RUN_AT, JOBS.DISPATCHED_AT, JOBS.IDEMPOTENCY_KEY,
                        JOBS.CALLBACK_URL, JOBS.COST, JOBS.CREATED_AT, JOBS.UPDATED_AT, JOBS.CALLBACK_ATTEMPTS)
                .select(DSL.select(
                                a.column("id", SQLDataType.UUID),
                                a.column("account_id", SQLDataType.UUID),
                                a.column("workflow", SQLDataType.CLOB),
                                a.column("payload", SQLDataType.CLOB).cast(SQLDataType.JSONB),
                                DSL.inline(QUEUED),
                                a.column("priority", SQLDataType.SMALLINT),
                                DSL.inline(0),
                                DSL.inline(0),
                                a.column("max_attempts", SQLDataType.INTEGER),
                                a.column("timeout_seconds", SQLDataType.INTEGER),
                                a.column("run_at", SQLDataType.TIMESTAMPWITHTIMEZONE(6)),
                                a.column("dispatched_at", SQLDataType.TIMESTAMPWITHTIMEZONE(6)),
                                a.column("idempotency_key", SQLDataType.CLOB),
                                a.column("callback_url", SQLDataType.CLOB),
                                a.column("cost", SQLDataType.INTEGER),
                                DSL.param("now", JOBS.CREATED_AT),
                                DSL.param("now", JOBS.UPDATED_AT),
                                DSL.inline(0))
                        .from(a.rows()));
    }

    /**
     * The usual intake batch (no idempotency key): {@code WITH ins AS (INSERT INTO jobs …), ch AS (the
     * ledger's charge) SELECT (SELECT count(*) FROM ins), levqor_assert(every account within its budget)}.
     * The jobs are counted first, so they are inserted before the usage rows are locked: the locks are
     * held for the commit only (the select list's subqueries run in order, each when first read).
     */
    private static FixedSql insertChargedStatement(DSLContext db) {
        var ins = DSL.name("ins").as(insertJobs().returningResult(JOBS.ID));
        UsageLedger.ChargeStep charge = UsageLedger.chargeStep();
        return FixedSql.of(db, DSL.with(ins, charge.cte()).select(
                DSL.field(DSL.selectCount().from(ins)), charge.withinBudgets()));
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
        // The claim's commit waits for the disk like every other: a claim lost in a Postgres crash put the job
        // back to queued with its attempt undone, and a job that had already run ran again (chaos scenario 1).
        return Jdbc.transaction(db, c -> {
            try (FixedSql.Bound s = sql.get().claim().prepare(c)) {
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

    /**
     * running -> failed: another attempt at {@code retryAt}. {@code error} is what the job's
     * {@code last_error} shows its owner (the message); {@code cause} (or null) is for the logs only.
     */
    public record Failed(ClaimedJob job, String error, Instant at, Instant retryAt, Throwable cause)
            implements Outcome {
    }

    /** running -> dead: attempts exhausted. {@code error} and {@code cause} as for {@link Failed}. */
    public record Dead(ClaimedJob job, String error, Instant at, Throwable cause) implements Outcome {
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
        try (FixedSql.Bound s = sql.get().succeed().prepare(c)) {
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

    /**
     * A job whose lease expired, as the sweeper left it; {@code leaseOwner} is the worker that held it
     * (for logs: it names one of our hosts, so it is not written into the job's last error).
     */
    public record Rescued(UUID id, UUID accountId, String workflow, JobState state, int attempt, String leaseOwner) {
    }

    /**
     * running (lease expired) -> failed (due now) or dead when its attempts are used up. The worker
     * that held it is gone or too slow; its late completion will not be accepted. Each job that goes
     * dead is told to the {@link DeadJobListener} in the same transaction, as a worker's dead outcome is.
     */
    public List<Rescued> rescueExpiredLeases(Instant now, int limit) {
        OffsetDateTime t = at(now);
        // Materialized: chosen and locked once, with the owner that held each lease (for the logs) and
        // the run_at the worker claimed it with (the update moves it to now).
        var expired = DSL.name("expired").fields("id", "owner", "run_at").asMaterialized(DSL.select(JOBS.ID,
                        JOBS.LEASE_OWNER, JOBS.RUN_AT)
                .from(JOBS).where(JOBS.STATE.eq(RUNNING)).and(JOBS.LEASE_EXPIRES_AT.lt(t))
                .limit(limit).forUpdate().skipLocked());
        Field<UUID> expiredId = expired.field("id", UUID.class);
        Field<String> owner = expired.field("owner", String.class);
        Field<OffsetDateTime> claimedRunAt = expired.field("run_at", OffsetDateTime.class);
        // The payload only of the jobs that went dead (the listener's), not of every rescued one.
        Field<JSONB> deadPayload = DSL.when(JOBS.STATE.eq(DSL.inline(DEAD)), JOBS.PAYLOAD).as("dead_payload");
        Condition exhausted = JOBS.ATTEMPT.minus(JOBS.ATTEMPT_OFFSET).ge(JOBS.MAX_ATTEMPTS);
        return db.transactionResult(tx -> {
            DSLContext d = tx.dsl();
            var rows = d.with(expired).update(JOBS)
                    .set(JOBS.STATE, DSL.when(exhausted, DSL.inline(DEAD)).otherwise(DSL.inline(FAILED)))
                    .set(JOBS.LAST_ERROR, DSL.concat(DSL.inline("lease expired: the worker running it stopped "
                            + "renewing it during attempt "), JOBS.ATTEMPT.cast(String.class)))
                    .set(JOBS.RUN_AT, t)
                    .set(JOBS.DISPATCHED_AT, (OffsetDateTime) null)
                    .set(JOBS.FINISHED_AT, DSL.when(exhausted, DSL.val(t)).otherwise(DSL.castNull(JOBS.FINISHED_AT)))
                    .set(JOBS.CALLBACK_STATE, DSL.when(exhausted.and(JOBS.CALLBACK_URL.isNotNull()),
                            DSL.inline("pending")).otherwise(JOBS.CALLBACK_STATE))
                    .set(JOBS.CALLBACK_NEXT_AT, t)
                    .set(JOBS.UPDATED_AT, t)
                    .set(JOBS.LEASE_OWNER, (String) null)
                    .set(JOBS.LEASE_EXPIRES_AT, (OffsetDateTime) null)
                    .from(expired)
                    .where(JOBS.ID.eq(expiredId))
                    .returningResult(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.STATE, JOBS.ATTEMPT, owner,
                            JOBS.ATTEMPT_OFFSET, JOBS.MAX_ATTEMPTS, JOBS.PRIORITY, JOBS.TIMEOUT_SECONDS, claimedRunAt,
                            JOBS.STARTED_AT, JOBS.CALLBACK_URL, JOBS.LAST_ERROR, deadPayload)
                    .fetch();
            List<Rescued> rescued = new ArrayList<>(rows.size());
            for (Record r : rows) {
                JobState state = JobState.fromWire(r.get(JOBS.STATE)).orElseThrow();
                rescued.add(new Rescued(r.get(JOBS.ID), r.get(JOBS.ACCOUNT_ID), r.get(JOBS.WORKFLOW), state,
                        r.get(JOBS.ATTEMPT), r.get(owner)));
                if (state == JobState.DEAD) {
                    JSONB payload = r.get(deadPayload);
                    ClaimedJob job = new ClaimedJob(r.get(JOBS.ID), r.get(JOBS.ACCOUNT_ID), r.get(JOBS.WORKFLOW),
                            payload == null ? null : payload.data(), Priority.ofLevel(r.get(JOBS.PRIORITY)),
                            r.get(JOBS.ATTEMPT), r.get(JOBS.ATTEMPT_OFFSET), r.get(JOBS.MAX_ATTEMPTS),
                            r.get(JOBS.TIMEOUT_SECONDS), instant(r.get(claimedRunAt)), instant(r.get(JOBS.STARTED_AT)),
                            r.get(JOBS.CALLBACK_URL) != null);
                    onDead.died(d, job, r.get(JOBS.LAST_ERROR), now);
                }
            }
            return rescued;
        });
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
                .where(chosen(due)).and(JOBS.STATE.eq(FAILED))
                .execute();
    }

    /**
     * Queued, due jobs never dispatched since they became due, and those last dispatched before
     * {@code dispatchedBefore} (null: never-dispatched ones only): marks them dispatched now and
     * returns them, high priority and oldest first, for dispatching. Read from the small index of
     * undelivered jobs when {@code dispatchedBefore} is null.
     */
    public List<JobRef> takeUndelivered(Instant now, Instant dispatchedBefore, int limit) {
        OffsetDateTime t = at(now);
        var due = DSL.select(JOBS.ID).from(JOBS)
                .where(JOBS.STATE.eq(QUEUED)).and(JOBS.RUN_AT.le(t))
                .and(dispatchedBefore == null ? JOBS.DISPATCHED_AT.isNull()
                        : JOBS.DISPATCHED_AT.isNull().or(JOBS.DISPATCHED_AT.lt(at(dispatchedBefore))))
                .orderBy(JOBS.PRIORITY.desc(), JOBS.RUN_AT)
                .limit(limit).forUpdate().skipLocked();
        List<JobRef> refs = new ArrayList<>(db.update(JOBS)
                .set(JOBS.DISPATCHED_AT, t)
                .where(chosen(due)).and(JOBS.STATE.eq(QUEUED))
                .returningResult(JOBS.ID, JOBS.PRIORITY)
                .fetch(r -> new JobRef(r.value1(), Priority.ofLevel(r.value2()))));
        refs.sort((a, b) -> b.priority().level() - a.priority().level());
        return refs;
    }

    /** When each of these jobs that is queued was last dispatched (jobs not queued, or never dispatched, are left out). */
    public Map<UUID, Instant> queuedDispatchTimes(Collection<UUID> ids) {
        Map<UUID, Instant> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        db.select(JOBS.ID, JOBS.DISPATCHED_AT).from(JOBS)
                .where(JOBS.ID.eq(DSL.any(ids.toArray(UUID[]::new)))).and(JOBS.STATE.eq(QUEUED))
                .and(JOBS.DISPATCHED_AT.isNotNull())
                .forEach(r -> out.put(r.value1(), r.value2().toInstant()));
        return out;
    }

    /**
     * Queued jobs last dispatched before {@code dispatchedBefore} (at or before {@code now}), oldest
     * first: ids the queue lost, when that instant is older than every id still waiting. Reads only,
     * from the queued jobs' {@code run_at} index (a job is dispatched once due, so its run_at is at or
     * before its dispatch): the range before the oldest waiting id holds only lost jobs.
     */
    public List<JobRef> lostJobs(Instant now, Instant dispatchedBefore, int limit) {
        OffsetDateTime before = at(dispatchedBefore.isAfter(now) ? now : dispatchedBefore);
        return db.select(JOBS.ID, JOBS.PRIORITY).from(JOBS)
                .where(JOBS.STATE.eq(QUEUED)).and(JOBS.RUN_AT.lt(before)).and(JOBS.DISPATCHED_AT.lt(before))
                .orderBy(JOBS.RUN_AT)
                .limit(limit)
                .fetch(r -> new JobRef(r.value1(), Priority.ofLevel(r.value2())));
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
                .where(chosen(chosen)).and(JOBS.STATE.eq(DEAD))
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
                .where(chosen(due)).and(JOBS.CALLBACK_STATE.eq("pending"))
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
