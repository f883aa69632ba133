package com.levqor.jobs.model;

import java.util.Locale;
import java.util.Optional;

/** A job's priority: high is taken before normal before low. Stored as its level (0–2). */
public enum Priority {
    LOW(0), NORMAL(1), HIGH(2);

    private final short level;

    Priority(int level) {
        this.level = (short) level;
    }

    public short level() {
        return level;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Priority ofLevel(int level) {
        return switch (level) {
            case 0 -> LOW;
            case 2 -> HIGH;
            default -> NORMAL;
        };
    }

    public static Optional<Priority> fromWire(String s) {
        for (Priority p : values()) {
            if (p.wire().equals(s)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
