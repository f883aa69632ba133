package com.levqor.status;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Incidents and maintenance windows as the admin API and the CLI show them. */
final class IncidentViews {
    private IncidentViews() {
    }

    /** The public page of an incident, relative to the server. */
    static String permalink(Incident i) {
        return "/status/incidents/" + i.id();
    }

    static Map<String, Object> incident(Incident i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("title", i.title());
        m.put("impact", i.impact().wire());
        m.put("components", i.components().stream().map(Component::wire).toList());
        m.put("status", i.status().wire());
        m.put("created_at", i.createdAt());
        m.put("updated_at", i.updatedAt());
        m.put("resolved_at", i.resolvedAt());
        m.put("url", permalink(i));
        m.put("text", i.text());
        m.put("updates", i.updates().stream().map(IncidentViews::update).toList());
        return m;
    }

    static Map<String, Object> update(IncidentUpdate u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id());
        m.put("status", u.status().wire());
        m.put("message", u.message());
        m.put("workaround", u.workaround());
        m.put("root_cause", u.rootCause());
        m.put("fix", u.fix());
        m.put("next_update_minutes", u.nextUpdateMinutes());
        m.put("text", u.text());
        m.put("created_at", u.createdAt());
        return m;
    }

    static Map<String, Object> maintenance(Maintenance w, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("title", w.title());
        m.put("components", w.components().stream().map(Component::wire).toList());
        m.put("status", w.phase(now).wire());
        m.put("starts_at", w.startsAt());
        m.put("ends_at", w.endsAt());
        m.put("message", w.message());
        m.put("created_at", w.createdAt());
        m.put("cancelled_at", w.cancelledAt());
        return m;
    }
}
