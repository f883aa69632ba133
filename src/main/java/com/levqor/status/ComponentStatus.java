package com.levqor.status;

import java.util.Locale;

/**
 * The state of one component, in Statuspage's words, from best to worst: of two states the later
 * one in this order wins ({@link #worse}).
 */
public enum ComponentStatus {
    OPERATIONAL("Operational", "ok"),
    UNDER_MAINTENANCE("Under maintenance", "maintenance"),
    DEGRADED_PERFORMANCE("Degraded performance", "degraded"),
    PARTIAL_OUTAGE("Partial outage", "partial"),
    MAJOR_OUTAGE("Major outage", "major");

    private final String label;
    private final String css;

    ComponentStatus(String label, String css) {
        this.label = label;
        this.css = css;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Words for people: shown next to the colour, never instead of it. */
    public String label() {
        return label;
    }

    /** The page's class for this state (colour and icon shape). */
    public String css() {
        return css;
    }

    public ComponentStatus worse(ComponentStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }

    /** The overall indicator a component in this state gives on its own (an outage seen by the health checks). */
    Indicator indicator() {
        return switch (this) {
            case OPERATIONAL -> Indicator.NONE;
            case UNDER_MAINTENANCE -> Indicator.MAINTENANCE;
            case DEGRADED_PERFORMANCE, PARTIAL_OUTAGE -> Indicator.MINOR;
            case MAJOR_OUTAGE -> Indicator.MAJOR;
        };
    }
}
