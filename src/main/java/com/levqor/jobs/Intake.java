package com.levqor.jobs;

import com.levqor.db.GroupCommit;
import com.levqor.jobs.queue.DispatchHandOff;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.runtime.Service;
import com.levqor.usage.UsageLedger;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jooq.DSLContext;

/**
 * Durable intake: a request carries one job or, from the batch endpoint, up to
 * {@link #MAX_REQUEST_JOBS} jobs, written in one transaction and charged all or nothing, and is
 * answered only once that is committed. The parts: a {@link GroupCommit} gathers requests while the
 * previous batch commits ({@link #WRITERS} writer threads taking turns, an answer timeout); an
 * {@link IntakeWriter} writes each batch through {@link JobStore} and the {@link UsageLedger}; a
 * {@link DispatchHandOff} pushes the committed, due jobs to Redis off the writers' path.
 * {@link #submit} does not block, so the HTTP fast path ({@code IntakeRoute}) gives its thread back
 * at once and is answered by the writer; {@link #submitAllAndWait} blocks for the other callers.
 */
public final class Intake implements Service {
    /** Jobs written in one transaction at most (a larger request is written alone). */
    public static final int MAX_BATCH = 1_000;
    /** Jobs one request may carry (the batch endpoint's limit). */
    public static final int MAX_REQUEST_JOBS = 1_000;
    /** Batches committing at the same time: one writer thread each. */
    public static final int WRITERS = 2;
    /** A request not answered within this long is failed (503): the database is hanging. */
    public static final long ANSWER_TIMEOUT_MILLIS = 30_000;
    /** Requests waiting for a writer at most; beyond it intake refuses (503). */
    static final int QUEUE_CAPACITY = 16_384;

    private final GroupCommit<NewJob, List<IntakeResult>> commits;
    private final DispatchHandOff handOff;

    public Intake(DSLContext db, Clock clock, JobStore store, UsageLedger ledger, Dispatcher dispatcher,
                  JobMetrics metrics) {
        this(db, clock, store, ledger, dispatcher, metrics, ANSWER_TIMEOUT_MILLIS);
    }

    Intake(DSLContext db, Clock clock, JobStore store, UsageLedger ledger, Dispatcher dispatcher, JobMetrics metrics,
           long answerTimeoutMillis) {
        this.handOff = new DispatchHandOff("intake-dispatch", dispatcher);
        this.commits = new GroupCommit<>("intake", WRITERS, MAX_BATCH, QUEUE_CAPACITY, answerTimeoutMillis,
                new IntakeWriter(db, clock, store, ledger, dispatcher, handOff, metrics));
    }

    /** Starts the dispatch thread, then the writers. */
    @Override
    public void start() {
        handOff.start();
        commits.start();
    }

    /**
     * Queues the jobs of one request for the next batch, written in one transaction and charged all
     * or nothing (every new job is {@link IntakeResult.OverBudget} when they do not fit together).
     * Does not block: the answer, one result per job in order, completes once that batch committed,
     * on a writer thread (keep what runs on it short). After {@link #ANSWER_TIMEOUT_MILLIS} it fails
     * with {@link TimeoutException} when nothing was written, {@link GroupCommit.Unconfirmed} when its
     * batch was still committing; or with the batch's failure (e.g. the database is down; a
     * {@link com.levqor.db.CommitOutcomeUnknown} when the commit may have landed).
     *
     * @throws IllegalStateException when intake is stopped or its queue is full
     */
    public CompletableFuture<List<IntakeResult>> submit(List<NewJob> jobs) {
        if (jobs.isEmpty() || jobs.size() > MAX_REQUEST_JOBS) {
            throw new IllegalArgumentException("a request carries 1 to " + MAX_REQUEST_JOBS + " jobs");
        }
        return commits.submit(jobs);
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
        long wait = Math.max(timeoutMillis, commits.longestWaitMillis());
        try {
            return submit(jobs).get(wait, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException t) {
                throw t;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Stops taking requests; the writers finish what was already queued and the dispatch thread
     * pushes what they committed (together for at most 5 s), then they stop.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GroupCommit.CLOSE_MILLIS);
        commits.closeBy(deadline);
        handOff.closeBy(deadline);
    }

    /** Whether every thread of intake has ended (or never started). */
    boolean stopped() {
        return commits.stopped() && handOff.stopped();
    }
}
