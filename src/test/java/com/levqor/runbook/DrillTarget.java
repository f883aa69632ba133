package com.levqor.runbook;

import java.util.Map;

/** What the drill runs its blocks against: a server it can restart with a new environment. */
public interface DrillTarget {
    /** Stops the server and starts it again with {@code env}, as "restart" in the runbook means. */
    void restart(Map<String, String> env);

    /** The server's own output, shown when a block fails (may be empty). */
    default String logTail() {
        return "";
    }
}
