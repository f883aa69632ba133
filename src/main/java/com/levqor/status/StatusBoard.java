package com.levqor.status;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The page's state at one moment: each component the worse of its live state, the impact of the open
 * incidents that name it and maintenance in progress; the overall indicator the worst of the
 * components' own indicators, the open incidents' impacts and maintenance in progress.
 */
record StatusBoard(Map<Component, ComponentStatus> components, Indicator indicator) {
    StatusBoard {
        components = Map.copyOf(components);
    }

    static StatusBoard of(Map<Component, ComponentStatus> live, List<Incident> incidents,
                          List<Maintenance> maintenances, Instant now) {
        Map<Component, ComponentStatus> m = new EnumMap<>(live);
        Indicator indicator = Indicator.NONE;
        for (Incident i : incidents) {
            if (!i.open()) {
                continue;
            }
            indicator = indicator.worse(i.impact().indicator());
            for (Component c : i.components()) {
                m.merge(c, i.impact().componentStatus(), ComponentStatus::worse);
            }
        }
        for (Maintenance w : maintenances) {
            if (w.phase(now) == Maintenance.Phase.IN_PROGRESS) {
                indicator = indicator.worse(Indicator.MAINTENANCE);
                for (Component c : w.components()) {
                    m.merge(c, ComponentStatus.UNDER_MAINTENANCE, ComponentStatus::worse);
                }
            }
        }
        for (ComponentStatus s : m.values()) {
            indicator = indicator.worse(s.indicator());
        }
        return new StatusBoard(m, indicator);
    }

    ComponentStatus of(Component c) {
        return components.getOrDefault(c, ComponentStatus.OPERATIONAL);
    }
}
