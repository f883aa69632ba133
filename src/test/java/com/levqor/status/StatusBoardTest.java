package com.levqor.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.ops.HealthService;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The rules that turn health checks, incidents and maintenance into component states and the indicator. */
class StatusBoardTest {
    final Instant now = Instant.parse("2026-12-04T18:00:00Z");

    static HealthService.Uptime uptime(String... pairs) {
        Map<String, String> services = new LinkedHashMap<>();
        services.put("api", "operational");
        for (int i = 0; i < pairs.length; i += 2) {
            services.put(pairs[i], pairs[i + 1]);
        }
        return new HealthService.Uptime("operational", services, 1.0, "test");
    }

    Incident incident(Impact impact, IncidentStatus status, Component... components) {
        return new Incident(UUID.randomUUID(), "t", impact, List.of(components), status, now, now,
                status == IncidentStatus.RESOLVED ? now : null, List.of());
    }

    @Test
    void healthChecksMapToComponentStates() {
        Map<Component, ComponentStatus> live = LiveState.of(uptime("database", "down", "queue", "degraded",
                "payments", "degraded", "email", "not_configured", "redis", "down"));
        assertThat(live).containsEntry(Component.API, ComponentStatus.MAJOR_OUTAGE)
                .containsEntry(Component.DATABASE, ComponentStatus.MAJOR_OUTAGE)
                .containsEntry(Component.QUEUE, ComponentStatus.DEGRADED_PERFORMANCE)
                .containsEntry(Component.PAYMENTS, ComponentStatus.DEGRADED_PERFORMANCE)
                .containsEntry(Component.EMAIL, ComponentStatus.OPERATIONAL);
        StatusBoard board = StatusBoard.of(live, List.of(), List.of(), now);
        assertThat(board.indicator()).isEqualTo(Indicator.MAJOR);

        StatusBoard circuit = StatusBoard.of(LiveState.of(uptime("email", "degraded")), List.of(), List.of(), now);
        assertThat(circuit.of(Component.EMAIL)).isEqualTo(ComponentStatus.DEGRADED_PERFORMANCE);
        assertThat(circuit.indicator()).isEqualTo(Indicator.MINOR);
        assertThat(StatusBoard.of(LiveState.of(uptime()), List.of(), List.of(), now).indicator()).isEqualTo(Indicator.NONE);
    }

    @Test
    void theWorseOfLiveStateAndOpenIncidentsWins() {
        Map<Component, ComponentStatus> live = LiveState.of(uptime("queue", "degraded"));
        StatusBoard board = StatusBoard.of(live, List.of(
                incident(Impact.MAJOR, IncidentStatus.MONITORING, Component.QUEUE, Component.EMAIL),
                incident(Impact.MINOR, IncidentStatus.INVESTIGATING, Component.QUEUE),
                incident(Impact.CRITICAL, IncidentStatus.RESOLVED, Component.API)), List.of(), now);
        assertThat(board.of(Component.QUEUE)).isEqualTo(ComponentStatus.PARTIAL_OUTAGE);
        assertThat(board.of(Component.EMAIL)).isEqualTo(ComponentStatus.PARTIAL_OUTAGE);
        assertThat(board.of(Component.API)).isEqualTo(ComponentStatus.OPERATIONAL); // resolved: no effect
        assertThat(board.indicator()).isEqualTo(Indicator.MAJOR);

        StatusBoard down = StatusBoard.of(LiveState.of(uptime("database", "down")),
                List.of(incident(Impact.MINOR, IncidentStatus.IDENTIFIED, Component.DATABASE)), List.of(), now);
        assertThat(down.of(Component.DATABASE)).isEqualTo(ComponentStatus.MAJOR_OUTAGE);
        assertThat(down.indicator()).isEqualTo(Indicator.MAJOR);
        assertThat(StatusBoard.of(LiveState.of(uptime()), List.of(incident(Impact.CRITICAL,
                IncidentStatus.INVESTIGATING, Component.PAYMENTS)), List.of(), now).indicator()).isEqualTo(Indicator.CRITICAL);
    }

    @Test
    void maintenanceCountsOnlyWhileItsWindowRuns() {
        Maintenance w = new Maintenance(UUID.randomUUID(), "m", List.of(Component.DATABASE), "msg",
                now.plusSeconds(60), now.plusSeconds(120), now, null);
        Map<Component, ComponentStatus> live = LiveState.of(uptime());
        assertThat(StatusBoard.of(live, List.of(), List.of(w), now).indicator()).isEqualTo(Indicator.NONE);
        StatusBoard during = StatusBoard.of(live, List.of(), List.of(w), now.plusSeconds(60));
        assertThat(during.of(Component.DATABASE)).isEqualTo(ComponentStatus.UNDER_MAINTENANCE);
        assertThat(during.indicator()).isEqualTo(Indicator.MAINTENANCE);
        assertThat(StatusBoard.of(live, List.of(), List.of(w), now.plusSeconds(120)).of(Component.DATABASE))
                .isEqualTo(ComponentStatus.OPERATIONAL);
        // An outage during the window is still an outage.
        StatusBoard outage = StatusBoard.of(LiveState.of(uptime("database", "down")), List.of(), List.of(w),
                now.plusSeconds(90));
        assertThat(outage.of(Component.DATABASE)).isEqualTo(ComponentStatus.MAJOR_OUTAGE);
        assertThat(outage.indicator()).isEqualTo(Indicator.MAJOR);
    }
}
