package com.levqor.status;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An incident's status, in the only order it may move: an update keeps the status or moves it
 * forward (steps may be skipped), never back; {@link #RESOLVED} is final.
 */
public enum IncidentStatus {
    /** Opened: the cause is not known yet. */
    INVESTIGATING,
    /** The cause is known; a fix is being worked on. */
    IDENTIFIED,
    /** A fix is in; watching that it holds. */
    MONITORING,
    /** Over. Takes no more updates. */
    RESOLVED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** As the runbook's texts show it: {@code [Identified]}. */
    public String label() {
        return wire().substring(0, 1).toUpperCase(Locale.ROOT) + wire().substring(1);
    }

    /** The statuses an incident may be in for an update to this one: itself and the earlier ones, never resolved. */
    public List<IncidentStatus> reachableFrom() {
        return Arrays.stream(values()).filter(s -> s != RESOLVED && s.ordinal() <= ordinal()).toList();
    }

    public static Optional<IncidentStatus> fromWire(String word) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(word)).findFirst();
    }
}
