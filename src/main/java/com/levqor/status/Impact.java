package com.levqor.status;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How bad an incident is, as the operator declares it; it sets its components' state while it is open. */
public enum Impact {
    MINOR(ComponentStatus.DEGRADED_PERFORMANCE, Indicator.MINOR),
    MAJOR(ComponentStatus.PARTIAL_OUTAGE, Indicator.MAJOR),
    CRITICAL(ComponentStatus.MAJOR_OUTAGE, Indicator.CRITICAL),
    MAINTENANCE(ComponentStatus.UNDER_MAINTENANCE, Indicator.MAINTENANCE);

    private final ComponentStatus componentStatus;
    private final Indicator indicator;

    Impact(ComponentStatus componentStatus, Indicator indicator) {
        this.componentStatus = componentStatus;
        this.indicator = indicator;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state of the incident's components while it is open. */
    public ComponentStatus componentStatus() {
        return componentStatus;
    }

    public Indicator indicator() {
        return indicator;
    }

    public String label() {
        return wire().substring(0, 1).toUpperCase(Locale.ROOT) + wire().substring(1);
    }

    public static Optional<Impact> fromWire(String word) {
        return Arrays.stream(values()).filter(i -> i.wire().equals(word)).findFirst();
    }
}
