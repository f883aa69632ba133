package com.levqor.redis;

import com.levqor.runtime.Service;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers: the one health state, and the one fallback policy, of every user of the
 * pool. Users read {@link #up()} before a command: while it is false they use their fallback at once
 * and never wait on Redis. A user whose command fails calls {@link #failed}: the state turns down at
 * once when it timed out (a hung Redis costs one request its timeout, not every request), and a pinger checks Redis
 * every {@code REDIS_CHECK_INTERVAL_MS}, turning the state up again as soon as Redis answers (two
 * pings, since the first command on a stale pooled connection fails once after a Redis restart).
 * Listeners hear each change once, on the pinger's thread or the caller's.
 */
public final class RedisHealth implements Service {
    private static final Logger log = LoggerFactory.getLogger(RedisHealth.class);

    /** Told when Redis starts or stops answering. */
    @FunctionalInterface
    public interface Listener {
        void redisUp(boolean up);
    }

    /** A command that throws when Redis does not answer. */
    @FunctionalInterface
    interface Ping {
        void ping();
    }

    private final Ping ping;
    private final long checkMillis;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile boolean up;
    private volatile String lastError = "not checked yet";
    private volatile boolean closed;
    private Thread pinger;

    RedisHealth(Ping ping, long checkMillis) {
        this.ping = ping;
        this.checkMillis = checkMillis;
    }

    /** Adds a listener (before {@link #start}, to hear the first state). */
    public void addListener(Listener l) {
        listeners.add(l);
    }

    /** Checks Redis once (so the first state is known when start returns), then every interval. */
    @Override
    public void start() {
        set(probe());
        pinger = new Thread(this::loop, "levqor-redis-health");
        pinger.setDaemon(true);
        pinger.start();
    }

    /** True when Redis answered its last check and no command failed since. */
    public boolean up() {
        return up;
    }

    /** What the last failure said ({@code Class: message}). */
    public String lastError() {
        return lastError;
    }

    /**
     * A command failed. A time-out means Redis hangs: it counts as down at once, without another wait.
     * Any other failure (a connection Redis closed when it restarted) is checked with a ping first, so
     * one stale connection does not switch every user to its fallback.
     */
    public void failed(RuntimeException e) {
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (!timedOut(e) && probe()) {
            return;
        }
        set(false);
        synchronized (lock) {
            lock.notifyAll(); // check now rather than at the next interval (a stale connection recovers at once)
        }
    }

    private void loop() {
        while (!closed) {
            synchronized (lock) {
                try {
                    lock.wait(checkMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (!closed) {
                set(probe());
            }
        }
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private boolean probe() {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                ping.ping();
                return true;
            } catch (RuntimeException e) {
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        return false;
    }

    private void set(boolean nowUp) {
        synchronized (listeners) {
            if (nowUp == up) {
                return;
            }
            up = nowUp;
            if (nowUp) {
                log.info("Redis answers");
            } else {
                log.warn("Redis does not answer ({})", lastError);
            }
            for (Listener l : listeners) {
                try {
                    l.redisUp(nowUp);
                } catch (RuntimeException e) {
                    log.warn("A Redis health listener failed: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = pinger;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
