package com.levqor.jobs;

import com.levqor.jobs.model.JobRef;

import com.levqor.jobs.model.JobState;

import static com.levqor.db.jooq.Tables.JOBS;
import static com.levqor.db.jooq.Tables.USAGE_DAILY;

import com.levqor.config.QueueSettings;
import com.levqor.db.ArrayColumns;
import com.levqor.db.Uuids;
import com.levqor.db.FixedSql;
import com.levqor.db.Jdbc;
import com.levqor.db.jooq.Routines;
import com.levqor.jobs.queue.Dispatcher;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable intake with group commit: requests are gathered while the previous batch commits and
 * written together (one multi-row insert, one budget update per account, one commit; without
 * idempotency keys, all of it one statement). A request
 * carries one job or, from the batch endpoint, up to {@link #MAX_REQUEST_JOBS} jobs that are
 * written in the same transaction and charged all or nothing. A request is answered only when its
 * batch has committed; then the due jobs are dispatched (in async mode by one more thread, so a
 * writer does not wait for Redis). {@link #WRITERS} writer threads take
 * turns: while one commits, the next batch gathers for the other. {@link #submit} does not block,
 * so the HTTP fast path ({@code IntakeRoute}) gives its thread back at once and is answered by
 * the writer; {@link #submitAllAndWait} blocks for the other callers. The hot statements are
 * rendered once ({@link FixedSql}).
 */
public final class Intake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    /** Jobs written in one transaction at most (a larger request is written alone). */
    public static final int MAX_BATCH = 1_000;
    /** Jobs one request may carry (the batch endpoint's limit). */
    public static final int MAX_REQUEST_JOBS = 1_000;
    /** Batches committing at the same time: one writer thread each. */
    public static final int WRITERS = 2;
    /** A request not answered within this long is failed (503): the database is hanging. */
    public static final long ANSWER_TIMEOUT_MILLIS = 30_000;
    private static final int QUEUE_CAPACITY = 16_384;
    private static final long WATCHDOG_MAX_MILLIS = 1_000;
    /** SQLSTATE of levqor_assert in the one-statement write: an account would pass its budget. */
    private static final String OVER_BUDGET = "LQ402";

    /**
     * The answer to a request whose batch was still committing when the answer timeout passed: the
     * commit may yet land, so its jobs may be stored.
     */
    public static final class Unconfirmed extends TimeoutException {
        Unconfirmed(String message) {
            super(message);
        }
    }

    /** One request: its jobs, answered together. */
    private record Pending(List<NewJob> jobs, CompletableFuture<List<IntakeResult>> answer, long queuedAtNanos) {
    }

    private final DSLContext db;
    private final Clock clock;
    private final QueueSettings settings;
    private final Dispatcher dispatcher;
    private final JobMetrics metrics;
    private final Statements sql;
    private final BlockingDeque<Pending> queue = new LinkedBlockingDeque<>(QUEUE_CAPACITY);
    /** The batch each writer is committing (null when idle) and since when, for the watchdog. */
    private final AtomicReferenceArray<List<Pending>> writing = new AtomicReferenceArray<>(WRITERS);
    private final AtomicLongArray writingSince = new AtomicLongArray(WRITERS);
    private final Thread[] writers = new Thread[WRITERS];
    /** Committed due jobs waiting to be pushed to Redis (async mode), by {@link #dispatchLoop}. */
    private final BlockingDeque<List<JobRef>> toDispatch = new LinkedBlockingDeque<>();
    private final Thread dispatching;
    private final ScheduledExecutorService watchdog;
    private final long answerTimeoutNanos;
    private volatile boolean stopped;

    public Intake(DSLContext db, Clock clock, QueueSettings settings, Dispatcher dispatcher, JobMetrics metrics) {
        this(db, clock, settings, dispatcher, metrics, ANSWER_TIMEOUT_MILLIS);
    }

    Intake(DSLContext db, Clock clock, QueueSettings settings, Dispatcher dispatcher, JobMetrics metrics,
           long answerTimeoutMillis) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.sql = new Statements(db);
        this.answerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(answerTimeoutMillis);
        for (int i = 0; i < WRITERS; i++) {
            int slot = i;
            writers[i] = new Thread(() -> writeLoop(slot), "levqor-intake-" + (i + 1));
            writers[i].setDaemon(true);
            writers[i].start();
        }
        dispatching = new Thread(this::dispatchLoop, "levqor-intake-dispatch");
        dispatching.setDaemon(true);
        dispatching.start();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "levqor-intake-watchdog");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(10, Math.min(WATCHDOG_MAX_MILLIS, answerTimeoutMillis / 4));
        watchdog.scheduleWithFixedDelay(this::failOverdue, every, every, TimeUnit.MILLISECONDS);
    }

    /** The hot statements, rendered once. */
    private static final class Statements {
        final FixedSql existing;
        final FixedSql insert;
        final FixedSql insertAll;
        final FixedSql charge;
        final FixedSql insertCharged;

        Statements(DSLContext db) {
            ArrayColumns k = new ArrayColumns("k");
            Field<UUID> kAccount = k.column("k_account", SQLDataType.UUID);
            Field<String> kKey = k.column("k_key", SQLDataType.CLOB);
            existing = FixedSql.of(db, DSL.select(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.IDEMPOTENCY_KEY, JOBS.STATE).from(JOBS)
                    .where(DSL.row(JOBS.ACCOUNT_ID, JOBS.IDEMPOTENCY_KEY).in(DSL.select(kAccount, kKey).from(k.rows()))))
                    .plannedPerExecution();

            // Without keys nothing can conflict (the ids are new): the row count is the answer.
            insertAll = FixedSql.of(db, insertJobs());
            // With idempotency keys a row may be skipped (the key was taken meanwhile): the ids inserted come back.
            insert = FixedSql.of(db, insertJobs().onConflictDoNothing().returningResult(JOBS.ID));

            Field<Long> units = DSL.param("units", USAGE_DAILY.UNITS);
            charge = FixedSql.of(db, DSL.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                    .values(DSL.param("account", USAGE_DAILY.ACCOUNT_ID), DSL.param("day", USAGE_DAILY.DAY), units)
                    .onConflict(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY)
                    .doUpdate().set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)))
                    .where(USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)).le(DSL.param("budget", Long.class)))
                    .returningResult(USAGE_DAILY.UNITS));

            // The usual batch (no idempotency key, every account within its budget by the request's count): the
            // jobs inserted and each account charged in one statement, committed on its own. It fails with LQ402,
            // writing nothing, when a new total would pass its account's budget (levqor_assert, migration V5).
            ArrayColumns b = new ArrayColumns("b");
            Field<UUID> bAccount = b.column("b_account", SQLDataType.UUID);
            Field<Long> bUnits = b.column("b_units", SQLDataType.BIGINT);
            var ins = DSL.name("ins").as(insertJobs().returningResult(JOBS.ID));
            var ch = DSL.name("ch").as(DSL.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                    .select(DSL.select(bAccount, DSL.param("day", USAGE_DAILY.DAY), bUnits).from(b.rows()))
                    .onConflict(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY)
                    .doUpdate().set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)))
                    .returningResult(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.UNITS));
            ArrayColumns budgets = new ArrayColumns("g"); // the same accounts again, with their budgets
            Field<UUID> gAccount = budgets.column("b_account", SQLDataType.UUID);
            Field<Long> gBudget = budgets.column("b_budget", SQLDataType.BIGINT);
            // The jobs are counted first, so they are inserted before the usage rows are locked: the locks are held
            // for the commit only (the select list's subqueries run in order, each when first read).
            insertCharged = FixedSql.of(db, DSL.with(ins, ch).select(
                    DSL.field(DSL.selectCount().from(ins)),
                    Routines.levqorAssert(DSL.notExists(DSL.selectOne().from(ch).join(budgets.rows())
                                    .on(gAccount.eq(ch.field(USAGE_DAILY.ACCOUNT_ID)))
                                    .where(ch.field(USAGE_DAILY.UNITS).gt(gBudget))),
                            DSL.inline("over budget"))));
        }

        /** A new insert of jobs from one array per column (jOOQ's builder is mutable: one per statement). */
        private static org.jooq.InsertOnDuplicateStep<com.levqor.db.jooq.tables.records.JobsRecord> insertJobs() {
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
                                    DSL.inline(JobState.QUEUED.wire()),
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
    }

    /**
     * Queues the jobs of one request for the next batch, written in one transaction and charged all
     * or nothing (every new job is {@link IntakeResult.OverBudget} when they do not fit together).
     * Does not block: the answer, one result per job in order, completes once that batch committed,
     * on a writer thread (keep what runs on it short). After {@link #ANSWER_TIMEOUT_MILLIS} it fails
     * with {@link TimeoutException} when nothing was written, {@link Unconfirmed} when its batch was
     * still committing; or with the batch's failure (e.g. the database is down).
     *
     * @throws IllegalStateException when intake is stopped or its queue is full
     */
    public CompletableFuture<List<IntakeResult>> submit(List<NewJob> jobs) {
        if (jobs.isEmpty() || jobs.size() > MAX_REQUEST_JOBS) {
            throw new IllegalArgumentException("a request carries 1 to " + MAX_REQUEST_JOBS + " jobs");
        }
        if (stopped) {
            throw new IllegalStateException("intake is stopped");
        }
        Pending mine = new Pending(jobs, new CompletableFuture<>(), System.nanoTime());
        if (!queue.offer(mine)) {
            throw new IllegalStateException("intake queue is full (" + QUEUE_CAPACITY + " requests)");
        }
        return mine.answer();
    }

    /** {@link #submit} one job and wait for its result. */
    public IntakeResult submitAndWait(NewJob job, long timeoutMillis) throws InterruptedException, TimeoutException {
        return submitAllAndWait(List.of(job), timeoutMillis).get(0);
    }

    /**
     * {@link #submit} and wait for the results: up to the answer timeout (the watchdog then says
     * whether anything may have been stored) or {@code timeoutMillis}, whichever is longer.
     */
    public List<IntakeResult> submitAllAndWait(List<NewJob> jobs, long timeoutMillis) throws InterruptedException,
            TimeoutException {
        long wait = Math.max(timeoutMillis, TimeUnit.NANOSECONDS.toMillis(answerTimeoutNanos) + WATCHDOG_MAX_MILLIS);
        try {
            return submit(jobs).get(wait, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException t) {
                throw t;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void writeLoop(int slot) {
        while (true) {
            Pending first;
            try {
                first = queue.pollFirst(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                if (stopped && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            List<Pending> batch = gather(first);
            writingSince.set(slot, System.nanoTime());
            writing.set(slot, batch);
            try {
                lead(batch);
            } catch (RuntimeException | Error e) {
                log.error("Intake writer failed on a batch of {} request(s)", batch.size(), e);
                batch.forEach(x -> x.answer().completeExceptionally(e));
            } finally {
                writing.set(slot, null);
            }
        }
    }

    /** The first request and whatever gathered behind it, up to {@link #MAX_BATCH} jobs. */
    private List<Pending> gather(Pending first) {
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        int jobs = first.jobs().size();
        Pending p;
        while (jobs < MAX_BATCH && (p = queue.pollFirst()) != null) {
            if (jobs + p.jobs().size() > MAX_BATCH) {
                queue.offerFirst(p); // a large request waits for the next batch (it is written alone if need be)
                break;
            }
            batch.add(p);
            jobs += p.jobs().size();
        }
        return batch;
    }

    /**
     * Fails what has waited past the answer timeout: requests still queued (both writers are stuck)
     * are taken out unwritten; a batch stuck in its commit is answered with the timeout (the commit
     * may still land later, as with any client-side timeout).
     */
    private void failOverdue() {
        long now = System.nanoTime();
        Pending head;
        while ((head = queue.peekFirst()) != null && now - head.queuedAtNanos() > answerTimeoutNanos) {
            if (queue.removeFirstOccurrence(head)) {
                head.answer().completeExceptionally(new TimeoutException("not written within "
                        + TimeUnit.NANOSECONDS.toMillis(answerTimeoutNanos) + " ms"));
            }
        }
        for (int i = 0; i < WRITERS; i++) {
            List<Pending> batch = writing.get(i);
            if (batch != null && now - writingSince.get(i) > answerTimeoutNanos) {
                TimeoutException t = new Unconfirmed("no commit within "
                        + TimeUnit.NANOSECONDS.toMillis(answerTimeoutNanos) + " ms");
                batch.forEach(x -> x.answer().completeExceptionally(t));
            }
        }
    }

    /** Writes one batch and answers its requests. */
    private void lead(List<Pending> batch) {
        int jobs = 0;
        for (Pending p : batch) {
            jobs += p.jobs().size();
        }
        metrics.intakeBatch(jobs);
        try {
            write(batch);
        } catch (RuntimeException e) {
            log.error("Intake batch of {} job(s) failed: {}", jobs, e.getMessage());
            batch.forEach(x -> x.answer().completeExceptionally(e));
        }
        batch.forEach(x -> x.answer().complete(rejected(x, "The job could not be stored; retry.")));
    }

    private static List<IntakeResult> rejected(Pending p, String message) {
        return java.util.Collections.nCopies(p.jobs().size(), new IntakeResult.Rejected(message));
    }

    private void write(List<Pending> batch) {
        try {
            try {
                commit(batch, false);
            } catch (NeedsLock e) {
                commit(batch, true);
            }
        } catch (DataAccessException e) {
            String state = e.sqlState();
            if (state != null && state.startsWith("22") && batch.size() > 1) {
                // One payload Postgres cannot store must not fail its batch-mates: write request by request.
                for (Pending p : batch) {
                    write(List.of(p));
                }
                return;
            }
            if (state != null && state.startsWith("22")) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                batch.get(0).answer().complete(rejected(batch.get(0), "The payload cannot be stored: " + cause.getMessage()));
                return;
            }
            throw e;
        }
    }

    /** The optimistic write found an account over its budget: it is rolled back and redone with the lock first. */
    private static final class NeedsLock extends RuntimeException {
        NeedsLock() {
            super(null, null, false, false);
        }
    }

    /** One job of the batch and the request it came with. */
    private record Entry(int request, NewJob job) {
        String key() {
            return job.idempotencyKey() == null ? null : idempotencyKey(job.accountId(), job.idempotencyKey());
        }
    }

    /** An idempotency key is unique per account. */
    private static String idempotencyKey(UUID account, String key) {
        return account + "/" + key;
    }

    /**
     * Writes one batch in one transaction. Optimistically ({@code lockFirst} false) the jobs are
     * inserted first and each account's usage row is updated last, only if the batch fits its budget,
     * so the row lock is held for one statement and the commit; when an account would go over, the
     * transaction is rolled back and redone with the usage rows locked first, deciding request by
     * request in arrival order (a request's jobs fit together or not at all).
     */
    private void commit(List<Pending> batch, boolean lockFirst) {
        List<Entry> entries = entries(batch);
        if (!lockFirst && entries.stream().allMatch(e -> e.job().idempotencyKey() == null)) {
            commitCharged(batch, entries);
            return;
        }
        Instant now = clock.instant();
        OffsetDateTime t = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        int n = entries.size();
        IntakeResult[] results = new IntakeResult[n];
        int[] sameAs = new int[n]; // a repeat of an earlier key in this batch: that entry's index, else -1
        java.util.Arrays.fill(sameAs, -1);
        List<JobRef> due = new ArrayList<>();
        boolean delivers = dispatcher.delivers();
        Jdbc.transaction(db, c -> {
            // 1. Idempotency keys already used by the account, and repeats inside this batch.
            Map<String, IntakeResult.Existing> existing = existing(c, entries);
            Map<String, Integer> firstInBatch = new HashMap<>();
            long[] requestCost = new long[batch.size()];
            Map<UUID, Long> wanted = new java.util.TreeMap<>();
            for (int e = 0; e < n; e++) {
                Entry en = entries.get(e);
                String key = en.key();
                if (key != null && existing.containsKey(key)) {
                    results[e] = existing.get(key);
                } else if (key != null && firstInBatch.containsKey(key)) {
                    sameAs[e] = firstInBatch.get(key); // answered with the first one's job after the insert
                } else {
                    if (key != null) {
                        firstInBatch.put(key, e);
                    }
                    requestCost[en.request()] += en.job().cost();
                    wanted.merge(en.job().accountId(), (long) en.job().cost(), Long::sum);
                }
            }
            // 2. Budgets. Fast path: charged after the insert, one conditional upsert per account, when the whole
            //    batch fits; otherwise lock the account's row and decide request by request, in arrival order.
            boolean[] refused = new boolean[batch.size()];
            if (!lockFirst) {
                for (Map.Entry<UUID, Long> w : wanted.entrySet()) {
                    if (w.getValue() > settings.budgetFor(planOf(batch, w.getKey()))) {
                        throw new NeedsLock();
                    }
                }
            } else {
                DSLContext x = Jdbc.dsl(db, c);
                Map<UUID, Long> remaining = new HashMap<>();
                Map<UUID, Long> slowCharge = new HashMap<>();
                for (UUID account : wanted.keySet()) {
                    x.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                            .values(account, today, 0L).onConflictDoNothing().execute();
                    Long used = x.select(USAGE_DAILY.UNITS).from(USAGE_DAILY)
                            .where(USAGE_DAILY.ACCOUNT_ID.eq(account)).and(USAGE_DAILY.DAY.eq(today))
                            .forUpdate().fetchOne(USAGE_DAILY.UNITS);
                    remaining.put(account, settings.budgetFor(planOf(batch, account)) - (used == null ? 0 : used));
                }
                for (int r = 0; r < batch.size(); r++) {
                    if (requestCost[r] == 0) {
                        continue;
                    }
                    NewJob first = batch.get(r).jobs().get(0);
                    long left = remaining.get(first.accountId());
                    if (requestCost[r] > left) {
                        refused[r] = true;
                        long budget = settings.budgetFor(first.plan());
                        for (int e = 0; e < n; e++) {
                            if (entries.get(e).request() == r && results[e] == null && sameAs[e] < 0) {
                                results[e] = new IntakeResult.OverBudget(budget - left, budget, requestCost[r]);
                            }
                        }
                        continue;
                    }
                    remaining.put(first.accountId(), left - requestCost[r]);
                    slowCharge.merge(first.accountId(), requestCost[r], Long::sum);
                }
                for (Map.Entry<UUID, Long> ch : slowCharge.entrySet()) {
                    x.update(USAGE_DAILY).set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(ch.getValue()))
                            .where(USAGE_DAILY.ACCOUNT_ID.eq(ch.getKey())).and(USAGE_DAILY.DAY.eq(today)).execute();
                }
            }
            // 3. One multi-row insert; a key taken meanwhile by another process is not inserted.
            List<Integer> rows = new ArrayList<>();
            for (int e = 0; e < n; e++) {
                if (results[e] == null && sameAs[e] < 0 && !refused[entries.get(e).request()]) {
                    rows.add(e);
                }
            }
            UUID[] ids = new UUID[rows.size()];
            Set<UUID> inserted = rows.isEmpty() ? Set.of() : insert(c, entries, rows, ids, now, t, delivers);
            Map<UUID, Long> refund = new HashMap<>();
            Map<UUID, Long> charge = new java.util.TreeMap<>();
            for (int k = 0; k < rows.size(); k++) {
                int e = rows.get(k);
                NewJob j = entries.get(e).job();
                if (inserted.contains(ids[k])) {
                    results[e] = new IntakeResult.Created(ids[k]);
                    charge.merge(j.accountId(), (long) j.cost(), Long::sum);
                    if (delivers && !j.runAt().isAfter(now)) {
                        due.add(new JobRef(ids[k], j.priority()));
                    }
                } else {
                    // Another process took this idempotency key meanwhile: answer with its job, charge nothing.
                    refund.merge(j.accountId(), (long) j.cost(), Long::sum);
                    IntakeResult.Existing other = existing(c, List.of(entries.get(e))).get(entries.get(e).key());
                    results[e] = other == null ? new IntakeResult.Rejected("The job could not be stored; retry.") : other;
                }
            }
            if (!lockFirst) {
                try (FixedSql.Bound s = sql.charge.prepare(c)) {
                    for (Map.Entry<UUID, Long> ch : charge.entrySet()) {
                        s.set("account", ch.getKey()).set("day", today).set("units", ch.getValue())
                                .set("budget", settings.budgetFor(planOf(batch, ch.getKey())));
                        if (s.fetch(rs -> rs.getLong(1)).isEmpty()) {
                            throw new NeedsLock();
                        }
                    }
                }
            } else if (!refund.isEmpty()) {
                DSLContext x = Jdbc.dsl(db, c);
                for (Map.Entry<UUID, Long> ch : refund.entrySet()) {
                    x.update(USAGE_DAILY).set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.minus(ch.getValue()))
                            .where(USAGE_DAILY.ACCOUNT_ID.eq(ch.getKey())).and(USAGE_DAILY.DAY.eq(today)).execute();
                }
            }
            return null;
        });
        answer(batch, entries, results, sameAs, due);
    }

    /** The jobs of the batch in order, each with the index of its request. */
    private static List<Entry> entries(List<Pending> batch) {
        List<Entry> entries = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            for (NewJob job : batch.get(r).jobs()) {
                entries.add(new Entry(r, job));
            }
        }
        return entries;
    }

    /**
     * The usual batch, without idempotency keys: inserted and charged in one statement, committed on its
     * own (one round trip; each account's usage row is locked only while it commits). Throws
     * {@link NeedsLock}, having written nothing, when an account would go over its budget.
     */
    private void commitCharged(List<Pending> batch, List<Entry> entries) {
        Instant now = clock.instant();
        OffsetDateTime t = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        int n = entries.size();
        // In account order, as every writer locks the usage rows (no deadlock between two batches).
        Map<UUID, Long> wanted = new java.util.TreeMap<>();
        for (Entry e : entries) {
            wanted.merge(e.job().accountId(), (long) e.job().cost(), Long::sum);
        }
        UUID[] accounts = new UUID[wanted.size()];
        Long[] units = new Long[accounts.length];
        Long[] budgets = new Long[accounts.length];
        int a = 0;
        for (Map.Entry<UUID, Long> w : wanted.entrySet()) {
            accounts[a] = w.getKey();
            units[a] = w.getValue();
            budgets[a] = settings.budgetFor(planOf(batch, w.getKey()));
            if (units[a] > budgets[a]) {
                throw new NeedsLock();
            }
            a++;
        }
        List<Integer> rows = new ArrayList<>(n);
        for (int e = 0; e < n; e++) {
            rows.add(e);
        }
        UUID[] ids = new UUID[n];
        boolean delivers = dispatcher.delivers();
        long inserted;
        try {
            inserted = Jdbc.withConnection(db, c -> {
                try (FixedSql.Bound s = sql.insertCharged.prepare(c)) {
                    bindJobs(s, entries, rows, ids, now, t, delivers);
                    s.set("b_account", accounts).set("b_units", units).set("b_budget", budgets).set("day", today);
                    return s.fetch(rs -> rs.getLong(1)).get(0);
                }
            });
        } catch (DataAccessException e) {
            if (OVER_BUDGET.equals(e.sqlState())) {
                throw new NeedsLock();
            }
            throw e;
        }
        if (inserted != n) {
            throw new IllegalStateException("inserted " + inserted + " of " + n + " jobs");
        }
        IntakeResult[] results = new IntakeResult[n];
        int[] sameAs = new int[n];
        List<JobRef> due = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            NewJob j = entries.get(e).job();
            results[e] = new IntakeResult.Created(ids[e]);
            sameAs[e] = -1;
            if (delivers && !j.runAt().isAfter(now)) {
                due.add(new JobRef(ids[e], j.priority()));
            }
        }
        answer(batch, entries, results, sameAs, due);
    }

    /** Committed: answers each request, then hands the due jobs to the queue. */
    private void answer(List<Pending> batch, List<Entry> entries, IntakeResult[] results, int[] sameAs,
                        List<JobRef> due) {
        int n = entries.size();
        List<List<IntakeResult>> answers = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            answers.add(new ArrayList<>(p.jobs().size()));
        }
        for (int e = 0; e < n; e++) {
            IntakeResult r = results[e];
            if (sameAs[e] >= 0) {
                IntakeResult first = results[sameAs[e]];
                r = first instanceof IntakeResult.Created created
                        ? new IntakeResult.Existing(created.jobId(), JobState.QUEUED.wire()) : first;
            }
            if (r instanceof IntakeResult.Created) {
                metrics.enqueued(entries.get(e).job().workflow());
            }
            answers.get(entries.get(e).request()).add(r);
        }
        for (int r = 0; r < batch.size(); r++) {
            batch.get(r).answer().complete(answers.get(r));
        }
        if (!due.isEmpty()) {
            if (dispatcher.async()) {
                toDispatch.offer(due); // a Redis round trip: not on the writer's way to its next batch
            } else {
                dispatcher.dispatch(due);
            }
        }
    }

    /**
     * Pushes committed jobs to Redis off the writers' path, all that is waiting in one exchange; until
     * intake has stopped and nothing is left. A job whose push fails is delivered as the dispatcher
     * decides (in-process, or later by the sweeper), as when a writer pushed it.
     */
    private void dispatchLoop() {
        List<JobRef> all = new ArrayList<>();
        while (true) {
            List<JobRef> refs;
            try {
                refs = toDispatch.pollFirst(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                refs = toDispatch.pollFirst(); // closing: push what is left, then stop
                if (refs == null) {
                    return;
                }
            }
            if (refs == null) {
                if (stopped && nothingLeftToDispatch()) {
                    return;
                }
                continue;
            }
            all.addAll(refs);
            while ((refs = toDispatch.pollFirst()) != null) {
                all.addAll(refs);
            }
            try {
                dispatcher.dispatch(all);
            } catch (RuntimeException | Error e) {
                log.error("Dispatching {} committed job(s) failed; the sweeper delivers them", all.size(), e);
            }
            all.clear();
        }
    }

    /** The writers have stopped and everything they committed was handed to the dispatcher. */
    private boolean nothingLeftToDispatch() {
        for (Thread w : writers) {
            if (w.isAlive()) {
                return false;
            }
        }
        return toDispatch.isEmpty();
    }

    /** The jobs already holding the entries' idempotency keys, by "account/key". */
    private Map<String, IntakeResult.Existing> existing(java.sql.Connection c, List<Entry> entries) {
        List<UUID> accounts = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (Entry e : entries) {
            if (e.job().idempotencyKey() != null) {
                accounts.add(e.job().accountId());
                keys.add(e.job().idempotencyKey());
            }
        }
        Map<String, IntakeResult.Existing> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        try (FixedSql.Bound s = sql.existing.prepare(c)) {
            s.set("k_account", accounts.toArray(UUID[]::new)).set("k_key", keys.toArray(String[]::new))
                    .fetch(rs -> found.put(idempotencyKey(rs.getObject(2, UUID.class), rs.getString(3)),
                            new IntakeResult.Existing(rs.getObject(1, UUID.class), rs.getString(4))));
        }
        return found;
    }

    /**
     * Inserts the chosen entries in one statement whose text does not depend on their number (one
     * array per column), skipping those whose idempotency key is taken; fills {@code ids} and returns
     * the ids inserted.
     */
    private Set<UUID> insert(java.sql.Connection c, List<Entry> entries, List<Integer> rows, UUID[] ids, Instant now,
                             OffsetDateTime t, boolean delivers) {
        boolean anyKey = false;
        for (int e : rows) {
            anyKey |= entries.get(e).job().idempotencyKey() != null;
        }
        try (FixedSql.Bound s = (anyKey ? sql.insert : sql.insertAll).prepare(c)) {
            bindJobs(s, entries, rows, ids, now, t, delivers);
            if (anyKey) {
                return new java.util.HashSet<>(s.fetch(rs -> rs.getObject(1, UUID.class)));
            }
            int n = s.execute();
            if (n != rows.size()) {
                throw new IllegalStateException("inserted " + n + " of " + rows.size() + " jobs");
            }
            return java.util.Set.of(ids);
        }
    }

    /** Binds the chosen entries as new jobs, one array per column, and fills {@code ids} with their new ids. */
    private void bindJobs(FixedSql.Bound s, List<Entry> entries, List<Integer> rows, UUID[] ids, Instant now,
                          OffsetDateTime t, boolean delivers) {
        int m = rows.size();
        UUID[] accounts = new UUID[m];
        String[] workflows = new String[m];
        String[] payloads = new String[m];
        Short[] priorities = new Short[m];
        Integer[] maxAttempts = new Integer[m];
        Integer[] timeouts = new Integer[m];
        OffsetDateTime[] runAt = new OffsetDateTime[m];
        OffsetDateTime[] dispatchedAt = new OffsetDateTime[m];
        String[] keys = new String[m];
        String[] callbacks = new String[m];
        Integer[] costs = new Integer[m];
        for (int k = 0; k < m; k++) {
            NewJob j = entries.get(rows.get(k)).job();
            boolean isDue = !j.runAt().isAfter(now);
            ids[k] = Uuids.v7(clock);
            accounts[k] = j.accountId();
            workflows[k] = j.workflow();
            payloads[k] = j.payloadJson();
            priorities[k] = (short) j.priority().level();
            maxAttempts[k] = j.maxAttempts();
            timeouts[k] = j.timeoutSeconds();
            runAt[k] = isDue ? t : OffsetDateTime.ofInstant(j.runAt(), ZoneOffset.UTC);
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

    private static com.levqor.accounts.Plan planOf(List<Pending> batch, UUID account) {
        for (Pending p : batch) {
            if (p.jobs().get(0).accountId().equals(account)) {
                return p.jobs().get(0).plan();
            }
        }
        return com.levqor.accounts.Plan.FREE;
    }

    /** Today's units spent by an account. */
    public long unitsUsedToday(UUID accountId) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Long v = db.select(USAGE_DAILY.UNITS).from(USAGE_DAILY).where(USAGE_DAILY.ACCOUNT_ID.eq(accountId))
                .and(USAGE_DAILY.DAY.eq(today)).fetchOne(USAGE_DAILY.UNITS);
        return v == null ? 0 : v;
    }

    /** Stops taking requests; the writers finish what was already queued (for at most 5 s), then stop. */
    @Override
    public void close() {
        stopped = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Thread w : writers) {
            try {
                w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread w : writers) {
            w.interrupt();
        }
        try {
            dispatching.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dispatching.interrupt();
        watchdog.shutdownNow();
        Pending left;
        while ((left = queue.pollFirst()) != null) {
            left.answer().completeExceptionally(new IllegalStateException("intake stopped before this was written"));
        }
    }
}
