package com.levqor.jobs;

import static com.levqor.db.jooq.Tables.JOBS;
import static com.levqor.db.jooq.Tables.USAGE_DAILY;

import com.levqor.config.QueueSettings;
import com.levqor.db.ArrayColumns;
import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.JobsRecord;
import com.levqor.jobs.queue.Dispatcher;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Row2;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable intake with group commit: concurrent requests are gathered while the previous batch
 * commits and written together (one multi-row insert, one budget update, one commit). Each request
 * is answered only when its batch has committed; then the due jobs are dispatched. There is no
 * writer thread: a waiting request thread becomes the leader, writes whatever has gathered, and
 * answers its followers (at most {@link #LEADERS} batches commit at once), so a CPU-starved machine
 * cannot stall intake behind one thread.
 */
public final class Intake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    /** Most requests written in one transaction. */
    public static final int MAX_BATCH = 512;
    /** Batches committing at the same time. */
    public static final int LEADERS = 2;
    private static final int QUEUE_CAPACITY = 16_384;
    /** How long a follower waits for its answer before it checks whether it should lead (a safety net). */
    private static final long FOLLOWER_POLL_MICROS = 5_000;

    private record Pending(NewJob job, CompletableFuture<IntakeResult> answer) {
    }

    private final DSLContext db;
    private final Clock clock;
    private final QueueSettings settings;
    private final Dispatcher dispatcher;
    private final JobMetrics metrics;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final java.util.concurrent.Semaphore leaders = new java.util.concurrent.Semaphore(LEADERS);
    private volatile boolean stopped;

    public Intake(DSLContext db, Clock clock, QueueSettings settings, Dispatcher dispatcher, JobMetrics metrics) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
    }

    /**
     * Writes a job with the next batch and returns once that batch committed (or failed).
     *
     * @throws IllegalStateException when intake is stopped or the queue is full
     * @throws RuntimeException      the batch's failure (e.g. the database is down)
     */
    public IntakeResult submitAndWait(NewJob job, long timeoutMillis) throws InterruptedException,
            java.util.concurrent.TimeoutException {
        if (stopped) {
            throw new IllegalStateException("intake is stopped");
        }
        Pending mine = new Pending(job, new CompletableFuture<>());
        if (!queue.offer(mine, 5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("intake queue is full (" + QUEUE_CAPACITY + ")");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!mine.answer().isDone()) {
            boolean led = false;
            if (leaders.tryAcquire()) {
                try {
                    led = lead();
                } finally {
                    leaders.release();
                }
            }
            if (!led) {
                // Nothing to write (another leader took this request) or no leader slot: wait for the answer
                // rather than spin on the queue.
                try {
                    mine.answer().get(FOLLOWER_POLL_MICROS, TimeUnit.MICROSECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // not answered yet (or failed: reported below)
                }
            }
            if (System.nanoTime() > deadline && !mine.answer().isDone()) {
                throw new java.util.concurrent.TimeoutException("no commit within " + timeoutMillis + " ms");
            }
        }
        // Hand-off: requests that arrived while this thread led must not wait for a follower's poll
        // (one batch at most: under steady load the waiting requests lead themselves).
        if (!queue.isEmpty() && leaders.tryAcquire()) {
            try {
                lead();
            } finally {
                leaders.release();
            }
        }
        try {
            return mine.answer().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Writes one batch of what has gathered; false when nothing had gathered. */
    private boolean lead() {
        if (queue.isEmpty()) {
            return false;
        }
        List<Pending> batch = new ArrayList<>(Math.min(MAX_BATCH, queue.size() + 1));
        queue.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return false;
        }
        metrics.intakeBatch(batch.size());
        try {
            write(batch);
        } catch (RuntimeException e) {
            log.error("Intake batch of {} failed: {}", batch.size(), e.getMessage());
            batch.forEach(p -> p.answer().completeExceptionally(e));
        }
        batch.forEach(p -> p.answer().complete(new IntakeResult.Rejected("The job could not be stored; retry.")));
        return true;
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
                // One payload Postgres cannot store must not fail its batch-mates: write one by one.
                for (Pending p : batch) {
                    write(List.of(p));
                }
                return;
            }
            if (state != null && state.startsWith("22")) {
                batch.get(0).answer().complete(new IntakeResult.Rejected(
                        "The payload cannot be stored: " + e.getCause().getMessage()));
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

    /**
     * Writes one batch in one transaction. Optimistically ({@code lockFirst} false) the jobs are
     * inserted first and each account's usage row is updated last, only if the batch fits its budget,
     * so the row lock is held for one statement and the commit; when an account would go over, the
     * transaction is rolled back and redone with the usage rows locked first, deciding request by
     * request in arrival order.
     */
    private void commit(List<Pending> batch, boolean lockFirst) {
        Instant now = clock.instant();
        OffsetDateTime t = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        IntakeResult[] results = new IntakeResult[batch.size()];
        List<JobRef> due = new ArrayList<>();
        boolean delivers = dispatcher.delivers();
        db.transaction(tx -> {
            DSLContext x = tx.dsl();
            // 1. Idempotency keys already used by the account, and repeats inside this batch.
            Map<String, Integer> firstInBatch = new HashMap<>();
            Map<String, JobsRecord> existing = new HashMap<>();
            List<Row2<UUID, String>> keys = new ArrayList<>();
            for (Pending p : batch) {
                if (p.job().idempotencyKey() != null) {
                    keys.add(DSL.row(p.job().accountId(), p.job().idempotencyKey()));
                }
            }
            if (!keys.isEmpty()) {
                x.selectFrom(JOBS).where(DSL.row(JOBS.ACCOUNT_ID, JOBS.IDEMPOTENCY_KEY).in(keys)).fetch()
                        .forEach(r -> existing.put(r.getAccountId() + "/" + r.getIdempotencyKey(), r));
            }
            // 2. Which requests would create a job, and what each account would spend.
            Map<UUID, Long> wanted = new java.util.TreeMap<>();
            for (int i = 0; i < batch.size(); i++) {
                NewJob j = batch.get(i).job();
                String key = j.idempotencyKey() == null ? null : j.accountId() + "/" + j.idempotencyKey();
                if (key != null && existing.containsKey(key)) {
                    JobsRecord r = existing.get(key);
                    results[i] = new IntakeResult.Existing(r.getId(), r.getState());
                } else if (key != null && firstInBatch.containsKey(key)) {
                    results[i] = null; // answered with the first one's job after the insert
                } else {
                    if (key != null) {
                        firstInBatch.put(key, i);
                    }
                    wanted.merge(j.accountId(), (long) j.cost(), Long::sum);
                }
            }
            // 3. Budgets. Fast path: one conditional upsert per account when the whole batch fits; otherwise
            //    lock the account's row and decide request by request, in arrival order.
            Map<UUID, Long> remaining = new HashMap<>();
            for (Map.Entry<UUID, Long> w : wanted.entrySet()) {
                UUID account = w.getKey();
                long budget = settings.budgetFor(planOf(batch, account));
                if (!lockFirst) {
                    if (w.getValue() > budget) {
                        throw new NeedsLock();
                    }
                    continue; // charged after the insert
                }
                boolean fits = false;
                if (w.getValue() <= budget) {
                    fits = !x.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                            .values(account, today, w.getValue())
                            .onConflict(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY)
                            .doUpdate().set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)))
                            .where(USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)).le(budget))
                            .returning(USAGE_DAILY.UNITS).fetch().isEmpty();
                }
                if (!fits) {
                    x.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                            .values(account, today, 0L).onConflictDoNothing().execute();
                    Long used = x.select(USAGE_DAILY.UNITS).from(USAGE_DAILY)
                            .where(USAGE_DAILY.ACCOUNT_ID.eq(account)).and(USAGE_DAILY.DAY.eq(today))
                            .forUpdate().fetchOne(USAGE_DAILY.UNITS);
                    remaining.put(account, budget - (used == null ? 0 : used));
                }
            }
            List<JobsRecord> rows = new ArrayList<>();
            List<Integer> rowIndex = new ArrayList<>();
            Map<UUID, Long> slowCharge = new HashMap<>();
            for (int i = 0; i < batch.size(); i++) {
                NewJob j = batch.get(i).job();
                if (results[i] != null || (j.idempotencyKey() != null
                        && firstInBatch.getOrDefault(j.accountId() + "/" + j.idempotencyKey(), -1) != i)) {
                    continue;
                }
                Long left = remaining.get(j.accountId());
                if (left != null) {
                    if (j.cost() > left) {
                        long budget = settings.budgetFor(j.plan());
                        results[i] = new IntakeResult.OverBudget(budget - left, budget, j.cost());
                        continue;
                    }
                    remaining.put(j.accountId(), left - j.cost());
                    slowCharge.merge(j.accountId(), (long) j.cost(), Long::sum);
                }
                boolean isDue = !j.runAt().isAfter(now);
                JobsRecord r = new JobsRecord()
                        .setId(Uuids.v7(clock))
                        .setAccountId(j.accountId())
                        .setWorkflow(j.workflow())
                        .setPayload(JSONB.valueOf(j.payloadJson()))
                        .setState(JobState.QUEUED.wire())
                        .setPriority(j.priority().level())
                        .setAttempt(0)
                        .setAttemptOffset(0)
                        .setMaxAttempts(j.maxAttempts())
                        .setTimeoutSeconds(j.timeoutSeconds())
                        .setRunAt(isDue ? t : OffsetDateTime.ofInstant(j.runAt(), ZoneOffset.UTC))
                        .setDispatchedAt(isDue && delivers ? t : null)
                        .setIdempotencyKey(j.idempotencyKey())
                        .setCallbackUrl(j.callbackUrl())
                        .setCost(j.cost())
                        .setCreatedAt(t)
                        .setUpdatedAt(t)
                        .setCallbackAttempts(0);
                rows.add(r);
                rowIndex.add(i);
            }
            for (Map.Entry<UUID, Long> c : slowCharge.entrySet()) {
                x.update(USAGE_DAILY).set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(c.getValue()))
                        .where(USAGE_DAILY.ACCOUNT_ID.eq(c.getKey())).and(USAGE_DAILY.DAY.eq(today)).execute();
            }
            // 4. One multi-row insert; a key taken meanwhile by another process is not inserted.
            Set<UUID> inserted = new LinkedHashSet<>();
            if (!rows.isEmpty()) {
                inserted.addAll(insertAll(x, rows, t));
            }
            Map<UUID, Long> refund = new HashMap<>();
            for (int k = 0; k < rows.size(); k++) {
                JobsRecord r = rows.get(k);
                int i = rowIndex.get(k);
                if (inserted.contains(r.getId())) {
                    results[i] = new IntakeResult.Created(r.getId());
                    if (r.getDispatchedAt() != null) {
                        due.add(new JobRef(r.getId(), Priority.ofLevel(r.getPriority())));
                    }
                } else {
                    // Another process took this idempotency key meanwhile: answer with its job, charge nothing.
                    refund.merge(r.getAccountId(), (long) r.getCost(), Long::sum);
                    JobsRecord other = x.selectFrom(JOBS).where(JOBS.ACCOUNT_ID.eq(r.getAccountId()))
                            .and(JOBS.IDEMPOTENCY_KEY.eq(r.getIdempotencyKey())).fetchOne();
                    results[i] = other == null ? new IntakeResult.Rejected("The job could not be stored; retry.")
                            : new IntakeResult.Existing(other.getId(), other.getState());
                }
            }
            if (!lockFirst) {
                Map<UUID, Long> charge = new java.util.TreeMap<>();
                for (JobsRecord r : rows) {
                    if (inserted.contains(r.getId())) {
                        charge.merge(r.getAccountId(), (long) r.getCost(), Long::sum);
                    }
                }
                for (Map.Entry<UUID, Long> c : charge.entrySet()) {
                    long budget = settings.budgetFor(planOf(batch, c.getKey()));
                    boolean fits = !x.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                            .values(c.getKey(), today, c.getValue())
                            .onConflict(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY)
                            .doUpdate().set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)))
                            .where(USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)).le(budget))
                            .returning(USAGE_DAILY.UNITS).fetch().isEmpty();
                    if (!fits) {
                        throw new NeedsLock();
                    }
                }
                refund.clear(); // nothing was charged for the rows not inserted
            }
            for (Map.Entry<UUID, Long> c : refund.entrySet()) {
                x.update(USAGE_DAILY).set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.minus(c.getValue()))
                        .where(USAGE_DAILY.ACCOUNT_ID.eq(c.getKey())).and(USAGE_DAILY.DAY.eq(today)).execute();
            }
        });
        // Committed: answer, then hand the due ones to the queue.
        for (int i = 0; i < batch.size(); i++) {
            IntakeResult r = results[i];
            NewJob j = batch.get(i).job();
            if (r == null) {
                IntakeResult first = results[firstIndex(batch, i)];
                r = first instanceof IntakeResult.Created c ? new IntakeResult.Existing(c.jobId(), JobState.QUEUED.wire())
                        : first;
            }
            if (r instanceof IntakeResult.Created) {
                metrics.enqueued(j.workflow());
            }
            batch.get(i).answer().complete(r);
        }
        if (!due.isEmpty()) {
            dispatcher.dispatch(due);
        }
    }

    /**
     * Inserts the rows in one statement whose text does not depend on their number (one array per
     * column), skipping those whose idempotency key is taken; returns the ids inserted.
     */
    private static List<UUID> insertAll(DSLContext x, List<JobsRecord> rows, OffsetDateTime t) {
        ArrayColumns<JobsRecord> a = new ArrayColumns<>(rows);
        return x.insertInto(JOBS).columns(JOBS.ID, JOBS.ACCOUNT_ID, JOBS.WORKFLOW, JOBS.PAYLOAD, JOBS.STATE,
                        JOBS.PRIORITY, JOBS.ATTEMPT, JOBS.ATTEMPT_OFFSET, JOBS.MAX_ATTEMPTS, JOBS.TIMEOUT_SECONDS,
                        JOBS.RUN_AT, JOBS.DISPATCHED_AT, JOBS.IDEMPOTENCY_KEY, JOBS.CALLBACK_URL, JOBS.COST,
                        JOBS.CREATED_AT, JOBS.UPDATED_AT, JOBS.CALLBACK_ATTEMPTS)
                .select(DSL.select(
                        a.column(SQLDataType.UUID, JobsRecord::getId),
                        a.column(SQLDataType.UUID, JobsRecord::getAccountId),
                        a.column(SQLDataType.CLOB, JobsRecord::getWorkflow),
                        a.column(SQLDataType.CLOB, r -> r.getPayload().data()).cast(SQLDataType.JSONB),
                        DSL.val(JobState.QUEUED.wire()),
                        a.column(SQLDataType.SMALLINT, JobsRecord::getPriority),
                        DSL.val(0),
                        DSL.val(0),
                        a.column(SQLDataType.INTEGER, JobsRecord::getMaxAttempts),
                        a.column(SQLDataType.INTEGER, JobsRecord::getTimeoutSeconds),
                        a.column(SQLDataType.TIMESTAMPWITHTIMEZONE(6), JobsRecord::getRunAt),
                        a.column(SQLDataType.TIMESTAMPWITHTIMEZONE(6), JobsRecord::getDispatchedAt),
                        a.column(SQLDataType.CLOB, JobsRecord::getIdempotencyKey),
                        a.column(SQLDataType.CLOB, JobsRecord::getCallbackUrl),
                        a.column(SQLDataType.INTEGER, JobsRecord::getCost),
                        DSL.val(t, JOBS.CREATED_AT),
                        DSL.val(t, JOBS.UPDATED_AT),
                        DSL.val(0))
                        .from(a.rows()))
                .onConflictDoNothing()
                .returningResult(JOBS.ID)
                .fetch(org.jooq.Record1::value1);
    }

    private static com.levqor.accounts.Plan planOf(List<Pending> batch, UUID account) {
        for (Pending p : batch) {
            if (p.job().accountId().equals(account)) {
                return p.job().plan();
            }
        }
        return com.levqor.accounts.Plan.FREE;
    }

    private static int firstIndex(List<Pending> batch, int i) {
        NewJob j = batch.get(i).job();
        for (int k = 0; k < i; k++) {
            NewJob o = batch.get(k).job();
            if (j.accountId().equals(o.accountId()) && j.idempotencyKey().equals(o.idempotencyKey())) {
                return k;
            }
        }
        return i;
    }

    /** Today's units spent by an account. */
    public long unitsUsedToday(UUID accountId) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Long v = db.select(USAGE_DAILY.UNITS).from(USAGE_DAILY).where(USAGE_DAILY.ACCOUNT_ID.eq(accountId))
                .and(USAGE_DAILY.DAY.eq(today)).fetchOne(USAGE_DAILY.UNITS);
        return v == null ? 0 : v;
    }

    /** Stops taking requests; what was already queued is written by the requests waiting for it. */
    @Override
    public void close() {
        stopped = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!queue.isEmpty() && System.nanoTime() < deadline) {
            if (leaders.tryAcquire()) {
                try {
                    lead();
                } finally {
                    leaders.release();
                }
            }
        }
    }
}
