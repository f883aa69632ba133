package com.levqor.jobs.queue;

import com.levqor.jobs.JobMetrics;
import com.levqor.jobs.JobRef;
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
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** Told when the mode changes. */
    public interface ModeListener {
        void modeChanged(boolean async);
    }

    private final Optional<RedisQueue> redis;
    private final boolean asyncWanted;
    private final LocalQueue local;
    private final boolean localWorkers;
    private final JobMetrics metrics;
    private final long checkMillis;
    private final List<ModeListener> listeners = new CopyOnWriteArrayList<>();
    private final Object switchLock = new Object();
    private volatile boolean redisUp;
    private volatile boolean async;
    private volatile String lastRedisError = "";
    private volatile boolean closed;
    private Thread monitor;

    /**
     * @param redis        the Redis queue, when {@code REDIS_URL} is set
     * @param asyncWanted  {@code NEW_QUEUE_ENABLED} and Redis configured
     * @param localWorkers whether this process runs workers (else sync dispatch is left to the sweepers
     *                     of processes that do)
     */
    public Dispatcher(Optional<RedisQueue> redis, boolean asyncWanted, LocalQueue local, boolean localWorkers,
                      JobMetrics metrics, long checkMillis) {
        this.redis = redis;
        this.asyncWanted = asyncWanted && redis.isPresent();
        this.local = local;
        this.localWorkers = localWorkers;
        this.metrics = metrics;
        this.checkMillis = checkMillis;
        metrics.redisUp(false);
        metrics.mode(false);
    }

    /** Checks Redis once, then keeps checking it in the background. */
    public void start() {
        if (redis.isEmpty()) {
            log.info("Queue mode: sync (REDIS_URL is not set)");
            return;
        }
        boolean up = probe();
        synchronized (switchLock) {
            redisUp = up;
            async = asyncWanted && up;
            metrics.redisUp(up);
            metrics.mode(async);
        }
        if (!asyncWanted) {
            log.info("Queue mode: sync (NEW_QUEUE_ENABLED=false); Redis is {}", up ? "up" : "down");
        } else {
            log.info("Queue mode: {}{}", async ? "async" : "sync", up ? "" : " (Redis is not answering: "
                    + lastRedisError + ")");
        }
        monitor = new Thread(this::monitorLoop, "levqor-redis-monitor");
        monitor.setDaemon(true);
        monitor.start();
    }

    public void addListener(ModeListener l) {
        listeners.add(l);
    }

    private boolean probe() {
        try {
            redis.get().ping();
            return true;
        } catch (RuntimeException first) {
            // After a Redis restart the first command on a stale pooled connection fails once.
            try {
                redis.get().ping();
                return true;
            } catch (RuntimeException e) {
                lastRedisError = e.getClass().getSimpleName() + ": " + e.getMessage();
                return false;
            }
        }
    }

    private void monitorLoop() {
        while (!closed) {
            try {
                Thread.sleep(checkMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                setRedisUp(probe());
            }
        }
    }

    /** Called by anyone whose Redis command failed: switches to sync at once. */
    public void redisFailed(RuntimeException e) {
        lastRedisError = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (!probe()) {
            setRedisUp(false);
        }
    }

    private void setRedisUp(boolean up) {
        boolean changed;
        boolean nowAsync;
        synchronized (switchLock) {
            if (up == redisUp) {
                return;
            }
            redisUp = up;
            boolean wasAsync = async;
            async = asyncWanted && up;
            changed = wasAsync != async;
            nowAsync = async;
            metrics.redisUp(up);
            metrics.mode(async);
        }
        if (changed) {
            if (nowAsync) {
                log.warn("Queue mode sync -> async: Redis answers again");
            } else {
                log.warn("Queue mode async -> sync: Redis stopped answering ({}); running jobs in-process",
                        lastRedisError);
            }
            listeners.forEach(l -> l.modeChanged(nowAsync));
        } else {
            log.info("Redis is {}", up ? "answering again" : "not answering (" + lastRedisError + ")");
        }
    }

    /** Dispatches committed jobs by the current mode; never throws (the sweeper is the safety net). */
    public void dispatch(List<JobRef> refs) {
        if (refs.isEmpty()) {
            return;
        }
        if (async) {
            try {
                redis.get().push(refs);
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
     * True when {@link #dispatch} hands jobs to workers right now (async, or sync with workers in this
     * process); otherwise intake leaves them undelivered for the sweepers of processes with workers.
     */
    public boolean delivers() {
        return async || localWorkers;
    }

    public String mode() {
        return async ? "async" : "sync";
    }

    /** True when Redis is configured and answered its last check. */
    public boolean redisUp() {
        return redis.isPresent() && redisUp;
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
        closed = true;
        if (monitor != null) {
            monitor.interrupt();
        }
    }
}
