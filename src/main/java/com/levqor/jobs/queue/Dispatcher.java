package com.levqor.jobs.queue;

import com.levqor.jobs.model.JobRef;
import com.levqor.redis.RedisHealth;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands committed jobs to workers. Async mode: through Redis. Sync mode: the in-process pool. The
 * mode is sync when {@code NEW_QUEUE_ENABLED=false}, when {@code REDIS_URL} is unset, and
 * automatically as soon as Redis stops answering; it returns to async by itself when Redis answers
 * again. Each switch logs one line; neither loses a job (Postgres has them all, and the sweeper is
 * told to dispatch every queued job again when async mode ends).
 */
public final class Dispatcher implements com.levqor.runtime.Service {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** Told when the mode changes. */
    public interface ModeListener {
        void modeChanged(boolean async);
    }

    /**
     * Told the queue's state at start and on every change of Redis' health (the metrics' gauges of
     * mode and Redis reachability listen here).
     */
    public interface StateListener {
        void queueState(boolean async, boolean redisUp);
    }

    private final Optional<RedisQueue> redis;
    private final Optional<RedisHealth> health;
    private final boolean asyncWanted;
    private final LocalQueue local;
    private final boolean localWorkers;
    private final StateListener state;
    private final List<ModeListener> listeners = new CopyOnWriteArrayList<>();
    private final Object switchLock = new Object();
    private volatile boolean async;

    /**
     * @param redis        the Redis queue and the health of its connection, when {@code REDIS_URL} is set
     * @param asyncWanted  {@code NEW_QUEUE_ENABLED} (async needs Redis configured too)
     * @param localWorkers whether this process runs workers (else sync dispatch is left to the sweepers
     *                     of processes that do)
     * @param state        told the mode and Redis' reachability (the metrics' gauges)
     */
    public Dispatcher(Optional<RedisQueue> redis, Optional<RedisHealth> health, boolean asyncWanted, LocalQueue local,
                      boolean localWorkers, StateListener state) {
        this.redis = redis;
        this.health = redis.isPresent() ? health : Optional.empty();
        this.asyncWanted = asyncWanted && redis.isPresent() && health.isPresent();
        this.local = local;
        this.localWorkers = localWorkers;
        this.state = state;
        state.queueState(false, false);
        this.health.ifPresent(h -> h.addListener(this::redisUpChanged));
    }

    /** Takes the mode Redis' health allows now (its first check ran before) and logs it. */
    public void start() {
        if (health.isEmpty()) {
            log.info("Queue mode: sync (REDIS_URL is not set)");
            return;
        }
        RedisHealth h = health.get();
        synchronized (switchLock) {
            async = asyncWanted && h.up();
            state.queueState(async, h.up());
        }
        if (!asyncWanted) {
            log.info("Queue mode: sync (NEW_QUEUE_ENABLED=false); Redis is {}", h.up() ? "up" : "down");
        } else {
            log.info("Queue mode: {}{}", async ? "async" : "sync", h.up() ? "" : " (Redis is not answering: "
                    + h.lastError() + ")");
        }
    }

    public void addListener(ModeListener l) {
        listeners.add(l);
    }

    /** Called by anyone whose Redis command failed: sync at once when Redis does not answer. */
    public void redisFailed(RuntimeException e) {
        health.ifPresent(h -> h.failed(e));
    }

    private void redisUpChanged(boolean up) {
        boolean changed;
        boolean nowAsync;
        synchronized (switchLock) {
            boolean wasAsync = async;
            async = asyncWanted && up;
            changed = wasAsync != async;
            nowAsync = async;
            state.queueState(async, up);
        }
        if (changed) {
            if (nowAsync) {
                log.warn("Queue mode sync -> async: Redis answers again");
            } else {
                log.warn("Queue mode async -> sync: Redis stopped answering ({}); running jobs in-process",
                        health.map(RedisHealth::lastError).orElse(""));
            }
            listeners.forEach(l -> l.modeChanged(nowAsync));
        }
    }

    /** Dispatches committed jobs by the current mode; never throws (the sweeper is the safety net). */
    public void dispatch(List<JobRef> refs) {
        send(refs, false);
    }

    /**
     * Dispatches again jobs whose ids were lost on their way: to the front of the Redis lists in async
     * mode (they are older than what waits there), else to the in-process pool. Never throws.
     */
    public void redispatch(List<JobRef> refs) {
        send(refs, true);
    }

    private void send(List<JobRef> refs, boolean front) {
        if (refs.isEmpty()) {
            return;
        }
        if (async) {
            try {
                if (front) {
                    redis.get().pushFront(refs);
                } else {
                    redis.get().push(refs);
                }
                return;
            } catch (RuntimeException e) {
                redisFailed(e);
            }
        }
        if (localWorkers) {
            local.offer(refs);
        }
    }

    public boolean async() {
        return async;
    }

    /**
     * What intake asks before it commits a batch: true when the jobs are to be marked dispatched and
     * handed on at once (async mode, or sync mode with workers here and room in the in-process queue).
     * False leaves them undelivered in Postgres for the sweeper: with no workers here, or while the
     * in-process queue is full (the sweeper refills it when it falls below half; {@code
     * SYNC_QUEUE_MAX_JOBS}).
     */
    public boolean deliversNow() {
        if (async) {
            return true;
        }
        if (!localWorkers) {
            return false;
        }
        if (local.hasRoom()) {
            return true;
        }
        local.markParked();
        return false;
    }

    public String mode() {
        return async ? "async" : "sync";
    }

    /** True when Redis is configured and answers. */
    public boolean redisUp() {
        return health.isPresent() && health.get().up();
    }

    public boolean redisConfigured() {
        return redis.isPresent();
    }

    public boolean asyncWanted() {
        return asyncWanted;
    }

    public boolean localWorkers() {
        return localWorkers;
    }

    public Optional<RedisQueue> redis() {
        return redis;
    }

    /**
     * Ids handed over and not yet taken by a worker: Redis' waiting lists in async mode, the
     * in-process queue in sync mode (throws when Redis does not answer).
     */
    public long waiting() {
        return async() ? redis.orElseThrow().waiting() : local.size();
    }

    public LocalQueue local() {
        return local;
    }

    @Override
    public void close() {
        // nothing of its own to stop: Redis' health belongs to the connection pool
    }
}
