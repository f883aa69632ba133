package com.levqor.ops;

import com.levqor.runtime.Heartbeat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /livez}: the process is alive and its threads make progress. It reads the
 * {@link Heartbeat} the scheduler ticks every second, nothing else: never Postgres, never Redis, so
 * a database outage never makes an orchestrator restart a process that is fine.
 */
public final class Liveness {
    /** A heartbeat older than this means the scheduler's threads no longer run: 503. */
    public static final Duration STUCK_AFTER = Duration.ofSeconds(30);

    /** The answer: its status code and JSON body. */
    public record Answer(int httpStatus, Map<String, Object> body) {
    }

    private final Heartbeat heartbeat;

    public Liveness(Heartbeat heartbeat) {
        this.heartbeat = heartbeat;
    }

    public Answer check() {
        Duration age = heartbeat.age();
        boolean alive = age.compareTo(STUCK_AFTER) <= 0;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", alive ? "alive" : "stuck");
        body.put("heartbeat_age_ms", age.toMillis());
        body.put("heartbeat_at", heartbeat.lastTick().toString());
        if (!alive) {
            body.put("message", "The scheduler's heartbeat last ticked " + age.toMillis() + " ms ago (limit "
                    + STUCK_AFTER.toMillis() + " ms): its threads no longer make progress.");
        }
        return new Answer(alive ? 200 : 503, body);
    }
}
