package com.levqor.ops;

/**
 * One dependency shown under {@code services} in {@code GET /ops/uptime}. A critical one that is
 * down makes the whole service {@code down} (503); any other one not operational makes it
 * {@code degraded} (200).
 */
public interface ServiceCheck {
    /** State words as the runbook shows them. */
    enum State {
        OPERATIONAL, DEGRADED, DOWN,
        /** Not set up in this process (e.g. no REDIS_URL): shown, but no effect on the overall status. */
        NOT_CONFIGURED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The key under {@code services}: {@code database}, {@code redis}, {@code queue}… */
    String name();

    /** True when this dependency being down means the service is down. */
    boolean critical();

    /** Checks now; must return within about a second even when the dependency hangs. */
    State check();

    /** The word shown for a state (a check with words of its own, e.g. backups' ok|stale, overrides it). */
    default String wire(State state) {
        return state.wire();
    }
}
