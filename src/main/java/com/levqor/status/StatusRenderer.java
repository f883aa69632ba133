package com.levqor.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Renders the public answers from one state of the page: the HTML page ({@code status/page.mustache}),
 * an incident's page ({@code status/incident.mustache}), {@code /status.json} in Statuspage's summary
 * shape, the Atom feed ({@code status/history.atom.mustache}) and the badge ({@code status/badge.svg.mustache}).
 * Absolute links carry {@link #ORIGIN}, a marker replaced per request ({@link Spliced}).
 */
final class StatusRenderer {
    /** Days of past incidents shown on the page. */
    static final int PAST_DAYS = 14;
    /** Entries of the Atom feed, newest first. */
    static final int FEED_ENTRIES = 100;
    /** Days of uptime bars hidden on narrow screens (the last 30 stay). */
    private static final int NARROW_DAYS = 30;
    /** Replaced by the server's origin in each answer: nobody outside this process can type it. */
    static final String ORIGIN = "\u2063origin-" + UUID.randomUUID() + "\u2063";
    private static final DateTimeFormatter DAY_LABEL = DateTimeFormatter.ofPattern("EEE d MMM yyyy", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    /** A stable id of the feed: the same page keeps the same feed whatever its address. */
    private static final String FEED_ID = "urn:uuid:6f1d3c1e-6b0a-4c52-9a57-0d1f3e7a9b21";

    private final Mustaches templates;
    private final ObjectMapper mapper;
    private final String title;
    private final int sampleSeconds;
    private final String cssVersion;

    StatusRenderer(Mustaches templates, ObjectMapper mapper, String title, int sampleSeconds, String cssVersion) {
        this.templates = templates;
        this.mapper = mapper;
        this.title = title;
        this.sampleSeconds = sampleSeconds;
        this.cssVersion = cssVersion;
    }

    // ---------------------------------------------------------------------------------------- HTML

    String page(StatusBoard board, StatusRecords records, Instant now) {
        Map<String, Object> scope = base(title);
        scope.put("updated", SECONDS.format(now));
        scope.put("updated_iso", now.toString());
        scope.put("indicator_css", board.indicator().css());
        scope.put("indicator_description", board.indicator().description());
        List<Map<String, Object>> open = records.incidents().stream().filter(Incident::open).map(this::incident).toList();
        scope.put("incidents", open);
        scope.put("has_incidents", !open.isEmpty());
        List<Map<String, Object>> windows = new ArrayList<>();
        for (Maintenance m : records.maintenances()) {
            Maintenance.Phase p = m.phase(now);
            if (p == Maintenance.Phase.SCHEDULED || p == Maintenance.Phase.IN_PROGRESS) {
                windows.add(maintenance(m, p));
            }
        }
        scope.put("maintenances", windows);
        scope.put("has_maintenances", !windows.isEmpty());
        scope.put("components", components(board, records.days(), LocalDate.ofInstant(now, ZoneOffset.UTC)));
        scope.put("past_days", pastDays(records.incidents(), now));
        return templates.markup("page.mustache", scope);
    }

    String incidentPage(Incident i) {
        Map<String, Object> scope = base(i.title() + " - " + title);
        scope.put("incident", incident(i));
        return templates.markup("incident.mustache", scope);
    }

    private Map<String, Object> base(String documentTitle) {
        Map<String, Object> scope = new HashMap<>();
        scope.put("document_title", documentTitle);
        scope.put("page_title", title);
        scope.put("css_version", cssVersion);
        return scope;
    }

    private Map<String, Object> incident(Incident i) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", i.id().toString());
        m.put("url", IncidentViews.permalink(i));
        m.put("title", i.title());
        m.put("impact_label", i.impact().label());
        m.put("impact_css", i.open() ? i.impact().componentStatus().css() : "resolved");
        m.put("status_label", i.status().label());
        m.put("open", i.open());
        m.put("components_text", String.join(", ", i.components().stream().map(Component::label).toList()));
        m.put("created", IncidentText.POSTED.format(i.createdAt()));
        m.put("resolved", i.resolvedAt() == null ? null : IncidentText.POSTED.format(i.resolvedAt()));
        m.put("updates", i.updates().stream().map(StatusRenderer::update).toList());
        return m;
    }

    private static Map<String, Object> update(IncidentUpdate u) {
        Map<String, Object> m = new HashMap<>();
        m.put("status_label", u.status().label());
        m.put("message", u.message());
        m.put("workaround", u.workaround());
        m.put("root_cause", u.rootCause());
        m.put("fix", u.fix());
        m.put("posted", IncidentText.POSTED.format(u.createdAt()));
        m.put("iso", u.createdAt().toString());
        m.put("next_update", u.nextUpdateMinutes() == null ? null
                : u.nextUpdateMinutes() + (u.nextUpdateMinutes() == 1 ? " minute" : " minutes"));
        return m;
    }

    private static Map<String, Object> maintenance(Maintenance w, Maintenance.Phase phase) {
        Map<String, Object> m = new HashMap<>();
        m.put("title", w.title());
        m.put("message", w.message());
        m.put("in_progress", phase == Maintenance.Phase.IN_PROGRESS);
        m.put("phase_label", phase == Maintenance.Phase.IN_PROGRESS ? "In progress" : "Scheduled");
        m.put("starts", IncidentText.POSTED.format(w.startsAt()));
        m.put("ends", IncidentText.POSTED.format(w.endsAt()));
        m.put("starts_iso", w.startsAt().toString());
        m.put("ends_iso", w.endsAt().toString());
        m.put("components_text", String.join(", ", w.components().stream().map(Component::label).toList()));
        return m;
    }

    private List<Map<String, Object>> components(StatusBoard board, List<DailyCounts> days, LocalDate today) {
        Map<Component, Map<LocalDate, DailyCounts>> byDay = new EnumMap<>(Component.class);
        for (DailyCounts d : days) {
            byDay.computeIfAbsent(d.component(), k -> new HashMap<>()).put(d.day(), d);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Component c : Component.values()) {
            ComponentStatus s = board.of(c);
            Map<LocalDate, DailyCounts> mine = byDay.getOrDefault(c, Map.of());
            List<Map<String, Object>> bars = new ArrayList<>();
            List<String> troubled = new ArrayList<>();
            long samples = 0;
            double down = 0;
            for (int back = UptimeHistory.KEEP_DAYS - 1; back >= 0; back--) {
                LocalDate day = today.minusDays(back);
                DailyCounts d = mine.get(day);
                Map<String, Object> bar = new HashMap<>();
                bar.put("old", back >= NARROW_DAYS);
                if (d == null || d.samples() == 0) {
                    bar.put("css", "none");
                    bar.put("summary", day + ": no data");
                } else {
                    samples += d.samples();
                    down += d.downtime();
                    String summary = day + ": " + percent(d.uptime()) + " uptime" + problems(d);
                    bar.put("css", d.worst().css());
                    bar.put("summary", summary);
                    if (d.worst() != ComponentStatus.OPERATIONAL) {
                        troubled.add(summary);
                    }
                }
                bars.add(bar);
            }
            Map<String, Object> m = new HashMap<>();
            m.put("label", c.label());
            m.put("description", c.description());
            m.put("css", s.css());
            m.put("status_label", s.label());
            m.put("days", bars);
            m.put("uptime", samples == 0 ? "No data yet" : percent(1.0 - down / samples) + " uptime (90 days)");
            m.put("troubled", troubled.isEmpty() ? "No incidents in the last 90 days." : String.join("; ", troubled) + ".");
            out.add(m);
        }
        return out;
    }

    /** "; major outage about 12 min, degraded performance about 30 min". */
    private String problems(DailyCounts d) {
        StringBuilder b = new StringBuilder();
        append(b, "major outage", d.majorOutage());
        append(b, "partial outage", d.partialOutage());
        append(b, "degraded performance", d.degradedPerformance());
        append(b, "maintenance", d.underMaintenance());
        return b.toString();
    }

    private void append(StringBuilder b, String what, int samples) {
        if (samples > 0) {
            long minutes = Math.max(1, Math.round(samples * (double) sampleSeconds / 60));
            b.append(b.isEmpty() ? "; " : ", ").append(what).append(" about ").append(minutes).append(" min");
        }
    }

    /** Two decimals, rounded down: a day with any downtime never shows 100%. */
    static String percent(double share) {
        double p = Math.floor(share * 10_000) / 100;
        return String.format(Locale.ROOT, "%.2f%%", p);
    }

    /** The last {@link #PAST_DAYS} days, newest first, each with the resolved incidents that began on it. */
    private List<Map<String, Object>> pastDays(List<Incident> incidents, Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int back = 0; back < PAST_DAYS; back++) {
            LocalDate day = today.minusDays(back);
            List<Map<String, Object>> those = incidents.stream()
                    .filter(i -> !i.open() && LocalDate.ofInstant(i.createdAt(), ZoneOffset.UTC).equals(day))
                    .map(this::incident).toList();
            Map<String, Object> m = new HashMap<>();
            m.put("label", DAY_LABEL.format(day.atStartOfDay(ZoneOffset.UTC)));
            m.put("iso", day.toString());
            m.put("incidents", those);
            m.put("none", those.isEmpty());
            out.add(m);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------- JSON

    /** {@code /status.json}: Atlassian Statuspage's {@code summary.json} shape. */
    String json(StatusBoard board, StatusRecords records, Instant now) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("id", "levqor");
        page.put("name", title);
        page.put("url", ORIGIN + "/status");
        page.put("time_zone", "Etc/UTC");
        page.put("updated_at", now);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("indicator", board.indicator().wire());
        status.put("description", board.indicator().description());
        List<Map<String, Object>> components = new ArrayList<>();
        for (Component c : Component.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.wire());
            m.put("name", c.wire());
            m.put("status", board.of(c).wire());
            m.put("description", c.label() + ": " + c.description());
            m.put("position", c.ordinal() + 1);
            m.put("group", false);
            m.put("only_show_if_degraded", false);
            components.add(m);
        }
        List<Map<String, Object>> incidents = records.incidents().stream().filter(Incident::open)
                .map(i -> incidentJson(i, board)).toList();
        List<Map<String, Object>> maintenances = new ArrayList<>();
        for (Maintenance w : records.maintenances()) {
            Maintenance.Phase p = w.phase(now);
            if (p == Maintenance.Phase.SCHEDULED || p == Maintenance.Phase.IN_PROGRESS) {
                maintenances.add(maintenanceJson(w, p));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("page", page);
        body.put("status", status);
        body.put("components", components);
        body.put("incidents", incidents);
        body.put("scheduled_maintenances", maintenances);
        try {
            return mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status.json could not be written", e);
        }
    }

    private static Map<String, Object> incidentJson(Incident i, StatusBoard board) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("name", i.title());
        m.put("status", i.status().wire());
        m.put("impact", i.impact().wire());
        m.put("created_at", i.createdAt());
        m.put("updated_at", i.updatedAt());
        m.put("monitoring_at", i.updates().stream().filter(u -> u.status() == IncidentStatus.MONITORING)
                .map(IncidentUpdate::createdAt).reduce((a, b) -> b).orElse(null));
        m.put("resolved_at", i.resolvedAt());
        m.put("started_at", i.createdAt());
        m.put("shortlink", ORIGIN + IncidentViews.permalink(i));
        m.put("incident_updates", i.updates().stream().map(u -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("id", u.id());
            x.put("status", u.status().wire());
            x.put("body", u.message());
            x.put("incident_id", i.id());
            x.put("created_at", u.createdAt());
            x.put("updated_at", u.createdAt());
            x.put("display_at", u.createdAt());
            x.put("workaround", u.workaround());
            x.put("root_cause", u.rootCause());
            x.put("fix", u.fix());
            x.put("next_update_minutes", u.nextUpdateMinutes());
            x.put("text", u.text());
            return x;
        }).toList());
        m.put("components", i.components().stream().map(c -> componentRef(c, board.of(c))).toList());
        return m;
    }

    private static Map<String, Object> maintenanceJson(Maintenance w, Maintenance.Phase phase) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("name", w.title());
        m.put("status", phase.wire());
        m.put("impact", "maintenance");
        m.put("created_at", w.createdAt());
        m.put("updated_at", w.createdAt());
        m.put("scheduled_for", w.startsAt());
        m.put("scheduled_until", w.endsAt());
        m.put("incident_updates", List.of(Map.of("id", w.id(), "status", "scheduled", "body", w.message(),
                "created_at", w.createdAt(), "display_at", w.createdAt())));
        m.put("components", w.components().stream()
                .map(c -> componentRef(c, phase == Maintenance.Phase.IN_PROGRESS ? ComponentStatus.UNDER_MAINTENANCE
                        : ComponentStatus.OPERATIONAL)).toList());
        return m;
    }

    private static Map<String, Object> componentRef(Component c, ComponentStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.wire());
        m.put("name", c.wire());
        m.put("status", s.wire());
        return m;
    }

    // ---------------------------------------------------------------------------------------- Atom, badge

    /** The Atom feed: one entry per incident update, newest first. */
    String atom(StatusRecords records, Instant now) {
        List<Map<String, Object>> entries = new ArrayList<>();
        Instant newest = null;
        List<IncidentUpdate> all = new ArrayList<>();
        Map<UUID, Incident> byId = new HashMap<>();
        for (Incident i : records.incidents()) {
            byId.put(i.id(), i);
            all.addAll(i.updates());
        }
        all.sort((a, b) -> b.createdAt().compareTo(a.createdAt()));
        for (IncidentUpdate u : all.subList(0, Math.min(FEED_ENTRIES, all.size()))) {
            Incident i = byId.get(u.incidentId());
            Map<String, Object> e = new HashMap<>();
            e.put("id", u.id().toString());
            e.put("title", "[" + u.status().label() + "] " + i.title());
            e.put("updated", u.createdAt().toString());
            e.put("incident_id", i.id().toString());
            e.put("text", u.text());
            entries.add(e);
            if (newest == null) {
                newest = u.createdAt();
            }
        }
        Map<String, Object> scope = new HashMap<>();
        scope.put("origin", ORIGIN);
        scope.put("feed_id", FEED_ID);
        scope.put("title", title);
        scope.put("updated", (newest != null ? newest : now).toString());
        scope.put("entries", entries);
        return templates.markup("history.atom.mustache", scope);
    }

    /** The badge: "status | operational" in the overall state's colour. */
    String badge(Indicator indicator) {
        String label = "status";
        String message = switch (indicator) {
            case NONE -> "operational";
            case MAINTENANCE -> "maintenance";
            case MINOR -> "degraded";
            case MAJOR -> "partial outage";
            case CRITICAL -> "major outage";
        };
        int lw = textWidth(label) + 12;
        int mw = textWidth(message) + 12;
        Map<String, Object> scope = new HashMap<>();
        scope.put("label", label);
        scope.put("message", message);
        scope.put("color", switch (indicator) {
            case NONE -> "#2e7d32";
            case MAINTENANCE -> "#1565c0";
            case MINOR -> "#9a6700";
            case MAJOR -> "#c2410c";
            case CRITICAL -> "#b91c1c";
        });
        scope.put("width", lw + mw);
        scope.put("label_width", lw);
        scope.put("message_width", mw);
        scope.put("label_x", lw * 5);
        scope.put("message_x", lw * 10 + mw * 5);
        scope.put("label_length", (lw - 12) * 10);
        scope.put("message_length", (mw - 12) * 10);
        scope.put("title", title + ": " + indicator.description());
        return templates.markup("badge.svg.mustache", scope);
    }

    /** About how wide text is in 11 px Verdana: wide enough for the letters used here. */
    private static int textWidth(String s) {
        int w = 0;
        for (char ch : s.toCharArray()) {
            w += ch == ' ' ? 4 : (ch == 'm' || ch == 'w') ? 11 : (ch == 'i' || ch == 'l' || ch == 't' || ch == 'r') ? 5 : 7;
        }
        return w;
    }
}
