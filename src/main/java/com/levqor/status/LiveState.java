package com.levqor.status;

import com.levqor.ops.HealthService;
import java.util.EnumMap;
import java.util.Map;

/**
 * The components' states as the health checks of {@code /ops/uptime} see them: the database down
 * makes {@code api} and {@code database} a major outage; the queue in its sync fallback (Redis
 * failing), and an open Stripe or Resend circuit ({@code payments}, {@code email}), degraded
 * performance. A dependency that is not configured counts as operational.
 */
final class LiveState {
    private LiveState() {
    }

    static Map<Component, ComponentStatus> of(HealthService.Uptime uptime) {
        Map<Component, ComponentStatus> m = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            m.put(c, status(uptime.services().get(c.wire())));
        }
        if (m.get(Component.DATABASE) == ComponentStatus.MAJOR_OUTAGE) {
            m.put(Component.API, ComponentStatus.MAJOR_OUTAGE); // nothing the API does works without it
        }
        return m;
    }

    private static ComponentStatus status(String check) {
        if (check == null) {
            return ComponentStatus.OPERATIONAL;
        }
        return switch (check) {
            case "down" -> ComponentStatus.MAJOR_OUTAGE;
            case "degraded" -> ComponentStatus.DEGRADED_PERFORMANCE;
            default -> ComponentStatus.OPERATIONAL; // operational, not_configured
        };
    }
}
