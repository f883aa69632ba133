package com.levqor.status;

import java.time.Instant;
import java.util.List;

/**
 * What the status page needs from Postgres, as last read: the incidents of the history window (every
 * open one, and those resolved within it) newest first, the maintenance windows not over, and the
 * uptime history.
 *
 * @param readAt when it was read; null before the first successful read
 */
record StatusRecords(List<Incident> incidents, List<Maintenance> maintenances, List<DailyCounts> days, Instant readAt) {
    static final StatusRecords NONE = new StatusRecords(List.of(), List.of(), List.of(), null);

    StatusRecords {
        incidents = List.copyOf(incidents);
        maintenances = List.copyOf(maintenances);
        days = List.copyOf(days);
    }
}
