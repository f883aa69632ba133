package com.levqor.accounts;

import java.util.Locale;
import java.util.Optional;

/** An account's plan: it sets rate limits and the daily job budget. */
public enum Plan {
    FREE, PRO;

    /** The name as stored and shown: {@code free}, {@code pro}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Plan> fromWire(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (Plan p : values()) {
            if (p.wire().equals(s)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
