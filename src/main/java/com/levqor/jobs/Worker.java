package com.levqor.jobs;

import com.levqor.jobs.model.JobRef;

import com.levqor.config.QueueSettings;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.JobSource;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one process: feeders take job ids (from Redis in async mode, from the in-process
 * queue in sync mode; two per queue, taking turns, see {@link Feed}), claim them in Postgres in
 * batches, and hand the won claims to a pool of {@code WORKER_CONCURRENCY} threads. Its
 * {@link #leaseKeeper() lease keeper}, a duty of the process's scheduler, renews the leases of held
 * jobs, interrupts runs past their timeout, and stops jobs whose lease was lost. Shutdown lets running
 * jobs finish within {@code WORKER_SHUTDOWN_GRACE_MS}, then releases them for another worker.
 */
public final class Worker implements com.levqor.runtime.Service {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** Most ids taken and claimed in one round trip. */
    static final int CLAIM_BATCH = 256;
    /** Feeder threads per queue (see {@link Feed}). */
    static final int FEEDERS = 2;
    /** Jobs shorter than this on average may be held up to WORKER_PREFETCH; longer ones up to twice the threads. */
    static final long SHORT_JOB_NANOS = 2_000_000;

    private final String owner;
    private final JobStore store;
    private final Dispatcher dispatcher;
    private final QueueSettings settings;
    private final Clock clock;
    private final JobMetrics metrics;
    private final JobExecutor executor;
    private final Completer completer;
    private final LeaseKeeper leaseKeeper;
    private final Semaphore slots;
    private final ThreadPoolExecutor pool;
    private final Map<UUID, RunningJob> held = new ConcurrentHashMap<>();
    /** Ids a feeder has taken and is claiming: not yet held, but already counted against the hold limit. */
    private final AtomicInteger claiming = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final Duration lease;
    private volatile boolean stopping;
    private volatile boolean releaseUnstarted;
    /** Moving average of recent run times (racy updates are fine: it only sizes the prefetch). */
    private volatile double avgRunNanos = SHORT_JOB_NANOS; // unknown at first: assume long jobs

    public Worker(String owner, JobStore store, Dispatcher dispatcher, QueueSettings settings, Clock clock, JobMetrics metrics,
           JobExecutor executor, com.levqor.ops.ErrorReporter reporter, Runnable callbackWake) {
        this.owner = owner;
        this.store = store;
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.executor = executor;
        this.lease = Duration.ofSeconds(settings.leaseSeconds());
        int threadsWanted = Math.max(1, settings.workerConcurrency());
        this.slots = new Semaphore(Math.max(threadsWanted, settings.workerPrefetch())); // the hold ceiling
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threadsWanted, threadsWanted, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "levqor-job-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.completer = new Completer(store, executor, metrics, reporter, dispatcher, callbackWake, r -> {
            held.remove(r.job.id());
            slots.release();
        });
        this.leaseKeeper = new LeaseKeeper(owner, store, dispatcher, clock, lease, held);
    }

    /** The duty that keeps this worker's leases; the scheduler running it must close after this worker. */
    public Duty leaseKeeper() {
        return leaseKeeper;
    }

    public String owner() {
        return owner;
    }

    @Override
    public void start() {
        completer.start();
        List<Feed> feeds = new ArrayList<>();
        feeds.add(new Feed(dispatcher.local(), false));
        dispatcher.redis().ifPresent(r -> feeds.add(new Feed(r, true)));
        for (Feed f : feeds) {
            for (int i = 1; i <= FEEDERS; i++) {
                threads.add(thread("levqor-feed-" + f.source.name() + "-" + i, () -> feed(f)));
            }
        }
        log.info("Workers started: {} thread(s), prefetch {}, lease {} s, owner {}", pool.getCorePoolSize(),
                slots.availablePermits(), settings.leaseSeconds(), owner);
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * One queue and its feeders, which take turns: the one holding the turn waits for ids and takes
     * them. When that emptied the queue, it passes the turn on before it claims them, so the next job
     * is waited for while this claim is in flight (a job arriving during a slow claim would otherwise
     * wait for it); while a backlog lasts, it claims before passing the turn, one full batch at a time.
     */
    private static final class Feed {
        final JobSource source;
        final boolean redis;
        final ReentrantLock turn = new ReentrantLock();
        /** Whether the last turn found async mode (read and written with the turn held). */
        boolean wasAsync;

        Feed(JobSource source, boolean redis) {
            this.source = source;
            this.redis = redis;
        }
    }

    /** What one turn took, a slot acquired for each id; {@code backlog}: the queue gave all that was asked. */
    private record Taken(List<JobRef> refs, boolean backlog) {
        static final Taken NONE = new Taken(List.of(), false);
    }

    private void feed(Feed f) {
        while (!stopping) {
            try {
                f.turn.lockInterruptibly();
            } catch (InterruptedException e) {
                continue; // closing: the loop ends
            }
            boolean turnHeld = true;
            try {
                Taken taken = takeTurn(f);
                List<JobRef> refs = taken.refs();
                if (refs.isEmpty()) {
                    continue;
                }
                claiming.addAndGet(refs.size());
                if (!taken.backlog()) {
                    f.turn.unlock();
                    turnHeld = false;
                }
                try {
                    claimAndRun(f.source, refs);
                } catch (RuntimeException e) {
                    // Jobs claimed but not handed to a thread run again once their lease expires.
                    log.warn("Running {} job(s) taken from the {} queue failed: {}", refs.size(), f.source.name(),
                            e.toString());
                } finally {
                    claiming.addAndGet(-refs.size());
                }
            } catch (InterruptedException e) {
                // closing (or a stray interrupt): the loop checks
            } finally {
                if (turnHeld) {
                    f.turn.unlock();
                }
            }
        }
    }

    /**
     * One turn: waits for ids while there is room to hold them and takes them, with a slot acquired
     * for each id returned; nothing when none came (or on a failure, reported here).
     */
    private Taken takeTurn(Feed f) throws InterruptedException {
        int n = 0;
        try {
            if (f.redis) {
                if (!dispatcher.async()) {
                    f.wasAsync = false;
                    Thread.sleep(50);
                    return Taken.NONE;
                }
                if (!f.wasAsync) {
                    // Back in async mode: what this worker's processing list held is recovered from Postgres.
                    ((RedisQueue) f.source).resetProcessing();
                    ((RedisQueue) f.source).heartbeat();
                    f.wasAsync = true;
                }
            }
            if (!f.redis && !dispatcher.local().awaitNonEmpty(200)) {
                return Taken.NONE; // hold no slots while the in-process queue is empty (async mode feeds from Redis)
            }
            int free = holdLimit() - held.size() - claiming.get();
            if (free <= 0) {
                // A slot is released as each outcome is recorded: wait until enough of them are free that
                // this process holds fewer than its limit, without taking them.
                int need = Math.max(1, ceiling() - holdLimit() + 1);
                if (slots.tryAcquire(need, 50, TimeUnit.MILLISECONDS)) {
                    slots.release(need);
                }
                return Taken.NONE;
            }
            if (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                return Taken.NONE;
            }
            n = 1;
            int more = Math.min(Math.min(slots.availablePermits(), CLAIM_BATCH - 1), free - 1);
            if (more > 0 && slots.tryAcquire(more)) {
                n += more;
            }
            List<JobRef> refs = f.source.take(n, f.redis ? 500 : 0);
            slots.release(n - refs.size());
            Taken taken = new Taken(refs, refs.size() == n);
            n = 0;
            return taken;
        } catch (InterruptedException e) {
            slots.release(n);
            throw e;
        } catch (RuntimeException e) {
            slots.release(n);
            if (f.redis) {
                f.wasAsync = false;
                dispatcher.redisFailed(e);
            } else {
                log.warn("Feeding jobs from the {} queue failed: {}", f.source.name(), e.toString());
            }
            Thread.sleep(100); // with the turn held: the other feeder does not retry meanwhile
            return Taken.NONE;
        }
    }

    private void claimAndRun(JobSource source, List<JobRef> refs) {
        List<UUID> ids = refs.stream().map(JobRef::id).toList();
        List<ClaimedJob> claimed;
        try {
            claimed = store.claim(ids, owner, clock.instant(), lease);
        } catch (RuntimeException e) {
            // The ids stay queued in Postgres; the sweeper dispatches them again.
            slots.release(refs.size());
            log.warn("Claiming {} job(s) failed: {}", refs.size(), e.getMessage());
            return;
        }
        metrics.claimBatch(claimed.size());
        Set<UUID> won = claimed.stream().map(ClaimedJob::id).collect(Collectors.toSet());
        List<UUID> lost = ids.stream().filter(id -> !won.contains(id)).toList();
        if (!lost.isEmpty()) {
            slots.release(lost.size());
            try {
                source.done(lost);
            } catch (RuntimeException e) {
                dispatcher.redisFailed(e);
            }
        }
        for (ClaimedJob job : claimed) {
            metrics.waited(job.workflow(), Duration.between(job.runAt(), job.startedAt()).toNanos() / 1e9);
            RunningJob r = new RunningJob(job, source);
            held.put(job.id(), r);
            pool.execute(() -> {
                long t0 = System.nanoTime();
                JobStore.Outcome outcome = executor.run(r, releaseUnstarted);
                avgRunNanos += ((System.nanoTime() - t0) - avgRunNanos) / 64;
                completer.submit(r, outcome);
            });
        }
    }

    /**
     * How many jobs this process may hold (claimed, running or waiting for a thread): up to
     * WORKER_PREFETCH while jobs are short, so claims and completions go in large batches; twice the
     * threads once they take longer, so one process does not hoard work other processes could start.
     */
    private int holdLimit() {
        return avgRunNanos < SHORT_JOB_NANOS ? ceiling() : Math.min(ceiling(), 2 * pool.getCorePoolSize());
    }

    /** The most this process ever holds: the size of {@link #slots}. */
    private int ceiling() {
        return Math.max(pool.getCorePoolSize(), settings.workerPrefetch());
    }

    /** A job of this process was cancelled: stop it now rather than at the next renewal. */
    public void cancelled(UUID id) {
        RunningJob r = held.get(id);
        if (r != null) {
            r.interrupt(RunningJob.Stop.CANCELLED);
        }
    }

    /** Jobs this process holds (claimed, running or waiting for a thread). */
    public int held() {
        return held.size();
    }

    /**
     * Stops feeding, releases claimed jobs that have not started, lets running ones finish within
     * the grace period, then interrupts and releases the rest.
     */
    @Override
    public void close() {
        stopping = true;
        releaseUnstarted = true;
        for (Thread t : threads) {
            t.interrupt(); // the feeders: the lease keeper goes on renewing the leases of running jobs
        }
        for (RunningJob r : held.values()) {
            if (!r.started()) {
                r.interrupt(RunningJob.Stop.SHUTDOWN);
            }
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(settings.shutdownGraceMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} job(s) still running after {} ms: releasing them for another worker", held.size(),
                        settings.shutdownGraceMillis());
                held.values().forEach(r -> r.interrupt(RunningJob.Stop.SHUTDOWN));
                pool.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        completer.close(10_000);
        for (Thread t : threads) {
            t.interrupt();
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        leaseKeeper.close();
        log.info("Workers stopped ({} job(s) left held)", held.size());
    }

    public static String newOwner() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-"
                + Long.toString(Instant.now().toEpochMilli() % 1_000_000L, 36) + Integer.toString(
                        java.util.concurrent.ThreadLocalRandom.current().nextInt(46656), 36);
    }
}
