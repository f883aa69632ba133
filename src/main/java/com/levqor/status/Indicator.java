package com.levqor.status;

import java.util.Locale;

/**
 * The page's overall state, Statuspage's {@code status.indicator}, from best to worst: the worst of
 * the open incidents' impacts, maintenance in progress and the components' own states.
 */
public enum Indicator {
    NONE("All Systems Operational", "ok"),
    MAINTENANCE("Service Under Maintenance", "maintenance"),
    MINOR("Minor Service Outage", "degraded"),
    MAJOR("Partial System Outage", "partial"),
    CRITICAL("Major Service Outage", "major");

    private final String description;
    private final String css;

    Indicator(String description, String css) {
        this.description = description;
        this.css = css;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Statuspage's {@code status.description}. */
    public String description() {
        return description;
    }

    public String css() {
        return css;
    }

    public Indicator worse(Indicator other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
