package com.levqor.jobs;

import com.levqor.db.GroupCommit;
import com.levqor.db.Jdbc;
import com.levqor.db.Uuids;
import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.queue.DispatchHandOff;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.usage.Charges;
import com.levqor.usage.UsageLedger;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an intake writer thread does with one group-commit batch ({@link GroupCommit.Writer}): writes
 * its jobs in one transaction, charged all or nothing per request, answers each request, and hands
 * the due jobs on. The usual batch (no idempotency key, every account within its budget) is one
 * statement that commits by itself ({@link JobStore#insertCharged}); a batch with keys is looked up,
 * inserted and charged in one transaction. When an account would pass its budget the batch is rolled
 * back and redone with the usage rows locked first, deciding request by request in arrival order.
 */
final class IntakeWriter implements GroupCommit.Writer<NewJob, List<IntakeResult>> {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    private static final String NOT_STORED = "The job could not be stored; retry.";

    private final DSLContext db;
    private final Clock clock;
    private final JobStore store;
    private final UsageLedger ledger;
    private final Dispatcher dispatcher;
    private final DispatchHandOff handOff;
    private final JobMetrics metrics;

    IntakeWriter(DSLContext db, Clock clock, JobStore store, UsageLedger ledger, Dispatcher dispatcher,
                 DispatchHandOff handOff, JobMetrics metrics) {
        this.db = db;
        this.clock = clock;
        this.store = store;
        this.ledger = ledger;
        this.dispatcher = dispatcher;
        this.handOff = handOff;
        this.metrics = metrics;
    }

    /** The optimistic write found an account over its budget: it is rolled back and redone with the lock first. */
    private static final class NeedsLock extends RuntimeException {
        NeedsLock() {
            super(null, null, false, false);
        }
    }

    /** Writes one batch and answers its requests. */
    @Override
    public void write(List<GroupCommit.Request<NewJob, List<IntakeResult>>> batch) {
        int jobs = 0;
        for (GroupCommit.Request<NewJob, List<IntakeResult>> r : batch) {
            jobs += r.items().size();
        }
        metrics.intakeBatch(jobs);
        try {
            writeOrSplit(batch);
        } catch (RuntimeException e) {
            log.error("Intake batch of {} job(s) failed: {}", jobs, e.getMessage());
            batch.forEach(x -> x.answer().completeExceptionally(e));
        }
        for (GroupCommit.Request<NewJob, List<IntakeResult>> r : batch) {
            if (!r.answer().isDone()) {
                r.answer().complete(rejected(r, NOT_STORED));
            }
        }
    }

    private static List<IntakeResult> rejected(GroupCommit.Request<NewJob, List<IntakeResult>> r, String message) {
        return Collections.nCopies(r.items().size(), new IntakeResult.Rejected(message));
    }

    private void writeOrSplit(List<GroupCommit.Request<NewJob, List<IntakeResult>>> batch) {
        try {
            try {
                commit(new IntakeBatch(batch), false);
            } catch (NeedsLock e) {
                commit(new IntakeBatch(batch), true);
            }
        } catch (DataAccessException e) {
            String state = e.sqlState();
            if (state != null && state.startsWith("22") && batch.size() > 1) {
                // One payload Postgres cannot store must not fail its batch-mates: write request by request.
                for (GroupCommit.Request<NewJob, List<IntakeResult>> r : batch) {
                    writeOrSplit(List.of(r));
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

    /**
     * Writes one batch in one transaction. Optimistically ({@code lockFirst} false) the jobs are
     * inserted first and each account's usage row is charged last, only if the batch fits its budget,
     * so the row lock is held for one statement and the commit; when an account would go over,
     * {@link NeedsLock} rolls it back, to be redone with the usage rows locked first, deciding request
     * by request in arrival order (a request's jobs fit together or not at all).
     */
    private void commit(IntakeBatch b, boolean lockFirst) {
        if (!lockFirst && !b.anyIdempotencyKey()) {
            commitCharged(b);
            return;
        }
        Instant now = clock.instant();
        LocalDate today = UsageLedger.day(now);
        int n = b.size();
        List<JobRef> due = new ArrayList<>();
        boolean delivers = dispatcher.deliversNow();
        Jdbc.transaction(db, c -> {
            // 1. Idempotency keys already used by the account, and repeats inside this batch.
            b.deduplicate(store, c);
            long[] requestCost = new long[b.requests.size()];
            Charges wanted = new Charges();
            for (int e = 0; e < n; e++) {
                if (b.isNew(e)) {
                    NewJob j = b.jobs[e];
                    requestCost[b.requestOf[e]] += j.cost();
                    wanted.add(j.accountId(), j.plan(), j.cost());
                }
            }
            // 2. Budgets. Optimistically: charged after the insert, when the whole batch fits; otherwise the
            //    accounts' rows are locked and each request is decided in arrival order.
            if (!lockFirst) {
                if (!ledger.fitsBudgets(wanted)) {
                    throw new NeedsLock();
                }
            } else {
                Map<UUID, Long> remaining = ledger.lockFirst(c, wanted, today);
                Charges decided = new Charges();
                for (int r = 0; r < requestCost.length; r++) {
                    if (requestCost[r] == 0) {
                        continue;
                    }
                    NewJob first = b.requests.get(r).items().get(0);
                    long left = remaining.get(first.accountId());
                    if (requestCost[r] > left) {
                        long budget = ledger.budget(first.plan());
                        for (int e = 0; e < n; e++) {
                            if (b.requestOf[e] == r && b.isNew(e)) {
                                b.results[e] = new IntakeResult.OverBudget(budget - left, budget, requestCost[r]);
                            }
                        }
                        continue;
                    }
                    remaining.put(first.accountId(), left - requestCost[r]);
                    decided.add(first.accountId(), first.plan(), requestCost[r]);
                }
                ledger.add(c, decided, today);
            }
            // 3. One multi-row insert; a key taken meanwhile by another process is not inserted.
            int count = 0;
            for (int e = 0; e < n; e++) {
                count += b.isNew(e) ? 1 : 0;
            }
            NewJob[] rows = new NewJob[count];
            int[] rowOf = new int[count];
            UUID[] ids = new UUID[count];
            for (int e = 0, k = 0; e < n; e++) {
                if (b.isNew(e)) {
                    rows[k] = b.jobs[e];
                    rowOf[k] = e;
                    ids[k++] = Uuids.v7(clock);
                }
            }
            Set<UUID> inserted = count == 0 ? Set.of() : store.insert(c, rows, ids, now, delivers);
            Charges charge = new Charges();
            Charges refund = new Charges();
            for (int k = 0; k < count; k++) {
                int e = rowOf[k];
                NewJob j = rows[k];
                if (inserted.contains(ids[k])) {
                    b.results[e] = new IntakeResult.Created(ids[k]);
                    charge.add(j.accountId(), j.plan(), j.cost());
                    if (delivers && !j.runAt().isAfter(now)) {
                        due.add(new JobRef(ids[k], j.priority()));
                    }
                } else {
                    // Another process took this idempotency key meanwhile: answer with its job, charge nothing.
                    refund.add(j.accountId(), j.plan(), j.cost());
                    IntakeResult.Existing other = b.holderOfKey(store, c, e);
                    b.results[e] = other == null ? new IntakeResult.Rejected(NOT_STORED) : other;
                }
            }
            if (!lockFirst) {
                if (!ledger.chargeWithinBudgets(c, charge, today)) {
                    throw new NeedsLock();
                }
            } else if (!refund.isEmpty()) {
                ledger.refund(c, refund, today);
            }
            return null;
        });
        answer(b, due);
    }

    /**
     * The usual batch, without idempotency keys: inserted and charged in one statement, committed on its
     * own (one round trip; each account's usage row is locked only while it commits). Throws
     * {@link NeedsLock}, having written nothing, when an account would go over its budget.
     */
    private void commitCharged(IntakeBatch b) {
        Instant now = clock.instant();
        int n = b.size();
        Charges wanted = new Charges();
        for (NewJob j : b.jobs) {
            wanted.add(j.accountId(), j.plan(), j.cost());
        }
        if (!ledger.fitsBudgets(wanted)) {
            throw new NeedsLock();
        }
        UUID[] ids = new UUID[n];
        for (int e = 0; e < n; e++) {
            ids[e] = Uuids.v7(clock);
        }
        boolean delivers = dispatcher.deliversNow();
        long inserted;
        try {
            inserted = store.insertCharged(b.jobs, ids, now, delivers, ledger, wanted);
        } catch (DataAccessException e) {
            if (UsageLedger.overBudget(e)) {
                throw new NeedsLock();
            }
            throw e;
        }
        if (inserted != n) {
            throw new IllegalStateException("inserted " + inserted + " of " + n + " jobs");
        }
        List<JobRef> due = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            NewJob j = b.jobs[e];
            b.results[e] = new IntakeResult.Created(ids[e]);
            if (delivers && !j.runAt().isAfter(now)) {
                due.add(new JobRef(ids[e], j.priority()));
            }
        }
        answer(b, due);
    }

    /** Committed: answers each request, then hands the due jobs on. */
    private void answer(IntakeBatch b, List<JobRef> due) {
        b.answer(metrics);
        handOff.handOff(due);
    }
}
