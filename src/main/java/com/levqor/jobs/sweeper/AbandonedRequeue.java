package com.levqor.jobs.sweeper;

import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.runtime.Duty;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In async mode, puts the ids left in the processing lists of workers that stopped (their heartbeat
 * expired) back at the front of the queue. Every {@link Sweeper#REQUEUE_EVERY_SWEEPS} sweep intervals.
 */
public final class AbandonedRequeue implements Duty {
    private static final Logger log = LoggerFactory.getLogger(AbandonedRequeue.class);

    private final Dispatcher dispatcher;
    private final Duration interval;

    public AbandonedRequeue(Dispatcher dispatcher, Duration interval) {
        this.dispatcher = dispatcher;
        this.interval = interval;
    }

    @Override
    public String name() {
        return "abandoned-requeue";
    }

    @Override
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean runOnce() {
        Optional<RedisQueue> redis = dispatcher.redis();
        if (!dispatcher.async() || redis.isEmpty()) {
            return false;
        }
        try {
            long moved = redis.get().requeueAbandoned();
            if (moved > 0) {
                log.warn("Requeued {} id(s) from the processing lists of workers that stopped", moved);
            }
        } catch (RuntimeException e) {
            dispatcher.redisFailed(e);
        }
        return false;
    }
}
