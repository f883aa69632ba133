package com.levqor.jobs;

import com.levqor.jobs.queue.Dispatcher;
import com.levqor.ops.ServiceCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The queue's health as the operators read it: the body of {@code GET /ops/queue_health} (also
 * shown by Slack's {@code /levqor status}) and the {@code redis} and {@code queue} checks of
 * {@code /ops/uptime}.
 */
public final class QueueHealth {
    private final Dispatcher dispatcher;
    private final QueueCounts counts;

    public QueueHealth(Dispatcher dispatcher, QueueCounts counts) {
        this.dispatcher = dispatcher;
        this.counts = counts;
    }

    /**
     * Mode, whether Redis answers, depth (queued and due), running, retry (waiting for a retry), dlq
     * (dead), delayed, and Redis' state.
     */
    public Map<String, Object> body() {
        JobStore.Counts c = counts.get();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", dispatcher.mode());
        body.put("queue_available", dispatcher.redisUp());
        body.put("depth", c.depth());
        body.put("running", c.running());
        body.put("retry", c.retry());
        body.put("dlq", c.dlq());
        body.put("delayed", c.delayed());
        body.put("redis", !dispatcher.redisConfigured() ? "not_configured" : dispatcher.redisUp() ? "up" : "down");
        return body;
    }

    /** {@code redis} (not configured, operational or down) and {@code queue} (degraded in the sync fallback). */
    public List<ServiceCheck> checks() {
        return List.of(new Check("redis", () -> !dispatcher.redisConfigured() ? ServiceCheck.State.NOT_CONFIGURED
                        : dispatcher.redisUp() ? ServiceCheck.State.OPERATIONAL : ServiceCheck.State.DOWN),
                // Sync by choice is fine; sync because Redis failed is the fallback: degraded.
                new Check("queue", () -> dispatcher.asyncWanted() && !dispatcher.async()
                        ? ServiceCheck.State.DEGRADED : ServiceCheck.State.OPERATIONAL));
    }

    /** A check that never fails the whole process (the queue falls back to sync). */
    private record Check(String name, java.util.function.Supplier<State> state) implements ServiceCheck {
        @Override
        public boolean critical() {
            return false;
        }

        @Override
        public State check() {
            return state.get();
        }
    }
}
