package com.levqor.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * The text of an incident update in the runbook's status-page format ("Incident Communication
 * Templates"): {@code [Status] Title}, the message, then {@code Workaround:} when there is one,
 * {@code Root cause:} and {@code Fix:} when given (the "Resolution Announcement"), {@code Posted:}
 * and {@code Next update:} when one is promised. Template {@code status/update.txt.mustache}.
 */
final class IncidentText {
    /** The runbook's time format: {@code 2026-12-04 18:30}, in UTC. */
    static final DateTimeFormatter POSTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private final Mustaches templates;

    IncidentText(Mustaches templates) {
        this.templates = templates;
    }

    String render(String title, IncidentStatus status, String message, String workaround, String rootCause, String fix,
                  Integer nextUpdateMinutes, Instant posted) {
        Map<String, Object> scope = new HashMap<>();
        scope.put("status", status.label());
        scope.put("title", title);
        scope.put("message", message);
        scope.put("workaround", workaround);
        scope.put("resolution", rootCause != null || fix != null);
        scope.put("root_cause", rootCause);
        scope.put("fix", fix);
        scope.put("posted", POSTED.format(posted));
        scope.put("next_update", nextUpdateMinutes == null ? null
                : nextUpdateMinutes + (nextUpdateMinutes == 1 ? " minute" : " minutes"));
        return templates.text("update.txt.mustache", scope).stripTrailing();
    }
}
