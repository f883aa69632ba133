package com.levqor.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.api.Fields;
import com.levqor.db.Uuids;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The bodies of the incident, maintenance and notify requests, read into commands with every problem
 * named at once (400 {@code invalid_request} with {@code details}). The HTTP handlers and the CLI both
 * read through here (the CLI builds the same JSON from its options), so both answer alike.
 */
final class IncidentRequests {
    static final int MAX_TITLE = 200;
    static final int MAX_MESSAGE = 5_000;
    static final int MAX_NOTE = 1_000;
    static final int MAX_LINES = 20;
    static final int MAX_ACCOUNTS = 10_000;
    /** Longest maintenance window. */
    static final long MAX_WINDOW_DAYS = 30;
    /** Control characters other than tab and newline: not text, and not allowed in XML (the Atom feed). */
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F\\uFFFE\\uFFFF]");

    private IncidentRequests() {
    }

    /** {@code POST /ops/incidents}. */
    record Open(String title, Impact impact, List<Component> components, IncidentStatus status, String message,
                String workaround, Integer nextUpdateMinutes) {
    }

    /** {@code POST /ops/incidents/{id}/updates}. */
    record Update(IncidentStatus status, String message, String workaround, String rootCause, String fix,
                  Integer nextUpdateMinutes) {
    }

    /** {@code POST /ops/maintenance}. */
    record Schedule(String title, List<Component> components, Instant startsAt, Instant endsAt, String message) {
    }

    /**
     * {@code POST /ops/incidents/{id}/notify}; empty lists and a null feature are filled from the incident.
     *
     * @param accounts empty for {@code "all"}
     */
    record Notify(Optional<List<UUID>> accounts, String feature, List<String> whatHappened, List<String> whatWeDid,
                  List<String> prevention) {
    }

    static Open open(ObjectNode body) {
        Fields f = new Fields(body).onlyKnown(Set.of("template", "title", "impact", "components", "status", "message",
                "workaround", "next_update_minutes"));
        RunbookTemplate template = f.optionalString("template").map(t -> RunbookTemplate.fromWire(t).orElseGet(() -> {
            f.problem("template", "must be minor or major");
            return null;
        })).orElse(null);
        String title = text(f, "title", MAX_TITLE, template == null ? null : template.title);
        Impact impact = word(f, "impact", Impact::fromWire, "minor, major, critical or maintenance",
                template == null ? null : template.impact);
        List<Component> components = components(f, body, template == null ? null : template.components);
        IncidentStatus status = word(f, "status", IncidentStatus::fromWire,
                "investigating, identified, monitoring or resolved",
                template == null ? IncidentStatus.INVESTIGATING : template.status);
        String message = text(f, "message", MAX_MESSAGE, template == null ? null : template.message);
        String workaround = optionalText(f, "workaround", MAX_NOTE).orElse(template == null ? null : template.workaround);
        Integer next = f.optionalInt("next_update_minutes", 1, 1_440)
                .orElse(template == null ? null : template.nextUpdateMinutes);
        f.validate();
        return new Open(title, impact, components, status, message, workaround, next);
    }

    static Update update(ObjectNode body) {
        Fields f = new Fields(body).onlyKnown(Set.of("status", "message", "workaround", "root_cause", "fix",
                "next_update_minutes"));
        IncidentStatus status = word(f, "status", IncidentStatus::fromWire,
                "investigating, identified, monitoring or resolved", null);
        String message = text(f, "message", MAX_MESSAGE, null);
        String workaround = optionalText(f, "workaround", MAX_NOTE).orElse(null);
        String rootCause = optionalText(f, "root_cause", MAX_NOTE).orElse(null);
        String fix = optionalText(f, "fix", MAX_NOTE).orElse(null);
        Integer next = f.optionalInt("next_update_minutes", 1, 1_440).orElse(null);
        f.validate();
        return new Update(status, message, workaround, rootCause, fix, next);
    }

    static Schedule schedule(ObjectNode body, Instant now) {
        Fields f = new Fields(body).onlyKnown(Set.of("title", "components", "starts_at", "ends_at", "message"));
        String title = text(f, "title", MAX_TITLE, null);
        List<Component> components = components(f, body, null);
        Instant starts = time(f, "starts_at");
        Instant ends = time(f, "ends_at");
        String message = text(f, "message", MAX_MESSAGE, null);
        if (starts != null && ends != null) {
            if (!ends.isAfter(starts)) {
                f.problem("ends_at", "must be after starts_at");
            } else if (!ends.isAfter(now)) {
                f.problem("ends_at", "must be in the future (the window would be over already)");
            } else if (ends.isAfter(starts.plusSeconds(MAX_WINDOW_DAYS * 86_400))) {
                f.problem("ends_at", "must be at most " + MAX_WINDOW_DAYS + " days after starts_at");
            }
        }
        f.validate();
        return new Schedule(title, components, starts, ends, message);
    }

    static Notify notify(ObjectNode body) {
        Fields f = new Fields(body).onlyKnown(Set.of("accounts", "feature", "what_happened", "what_we_did",
                "prevention"));
        Optional<List<UUID>> accounts = Optional.empty();
        JsonNode a = body.get("accounts");
        if (a == null || a.isNull()) {
            f.problem("accounts", "is required: \"all\" or a list of account ids");
        } else if (a.isTextual() && a.textValue().equals("all")) {
            accounts = Optional.empty();
        } else if (a.isArray() && !a.isEmpty() && a.size() <= MAX_ACCOUNTS) {
            Set<UUID> ids = new LinkedHashSet<>();
            for (JsonNode id : a) {
                UUID u = id.isTextual() ? Uuids.parseOrNull(id.textValue()) : null;
                if (u == null) {
                    f.problem("accounts", "must hold account ids (UUIDs); " + id + " is not one");
                    break;
                }
                ids.add(u);
            }
            accounts = Optional.of(List.copyOf(ids));
        } else {
            f.problem("accounts", "must be \"all\" or a list of 1 to " + MAX_ACCOUNTS + " account ids");
        }
        String feature = optionalText(f, "feature", MAX_TITLE).orElse(null);
        List<String> happened = lines(f, body, "what_happened");
        List<String> did = lines(f, body, "what_we_did");
        List<String> prevention = lines(f, body, "prevention");
        f.validate();
        return new Notify(accounts, feature, happened, did, prevention);
    }

    /** A required text (or the default when absent), trimmed, 1 to {@code max} characters, no control characters. */
    private static String text(Fields f, String field, int max, String fallback) {
        Optional<String> v = optionalText(f, field, max);
        if (v.isPresent()) {
            return v.get();
        }
        if (fallback == null) { // a problem already named for the field stays the one shown
            f.problem(field, "is required");
        }
        return fallback;
    }

    private static Optional<String> optionalText(Fields f, String field, int max) {
        Optional<String> v = f.optionalString(field).map(s -> s.replace("\r\n", "\n").strip());
        if (v.isEmpty()) {
            return v;
        }
        String s = v.get();
        if (s.isEmpty() || s.length() > max) {
            f.problem(field, "must be 1 to " + max + " characters");
            return Optional.empty();
        }
        if (CONTROL.matcher(s).find()) {
            f.problem(field, "must not contain control characters");
            return Optional.empty();
        }
        return v;
    }

    private static <T> T word(Fields f, String field, java.util.function.Function<String, Optional<T>> parse,
                              String expected, T fallback) {
        Optional<String> v = f.optionalString(field);
        if (v.isEmpty()) {
            if (fallback == null) { // a problem already named for the field stays the one shown
                f.problem(field, "is required: one of " + expected);
            }
            return fallback;
        }
        return parse.apply(v.get()).orElseGet(() -> {
            f.problem(field, "must be one of " + expected);
            return null;
        });
    }

    /** One or more components by their words; kept in the page's order, each once. */
    private static List<Component> components(Fields f, ObjectNode body, List<Component> fallback) {
        JsonNode v = body.get("components");
        if (v == null || v.isNull()) {
            if (fallback == null) {
                f.problem("components", "is required: a list of " + Component.words());
            }
            return fallback;
        }
        if (!v.isArray() || v.isEmpty()) {
            f.problem("components", "must be a non-empty list of " + Component.words());
            return null;
        }
        EnumSet<Component> set = EnumSet.noneOf(Component.class);
        for (JsonNode c : v) {
            Optional<Component> one = c.isTextual() ? Component.fromWire(c.textValue()) : Optional.empty();
            if (one.isEmpty()) {
                f.problem("components", "must hold only " + Component.words() + "; " + c + " is not one");
                return null;
            }
            set.add(one.get());
        }
        return List.copyOf(set);
    }

    private static Instant time(Fields f, String field) {
        Optional<String> v = f.optionalString(field);
        if (v.isEmpty()) {
            f.problem(field, "is required: an ISO-8601 time with an offset, like 2030-01-01T02:00:00Z");
            return null;
        }
        try {
            return OffsetDateTime.parse(v.get()).toInstant();
        } catch (DateTimeParseException e) {
            f.problem(field, "must be an ISO-8601 time with an offset, like 2030-01-01T02:00:00Z");
            return null;
        }
    }

    /** An optional list of 1 to {@link #MAX_LINES} texts; empty when absent. */
    private static List<String> lines(Fields f, ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual()) {
            v = body.arrayNode().add(v.textValue());
        }
        if (!v.isArray() || v.isEmpty() || v.size() > MAX_LINES) {
            f.problem(field, "must be a list of 1 to " + MAX_LINES + " texts");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode line : v) {
            String s = line.isTextual() ? line.textValue().strip() : "";
            if (s.isEmpty() || s.length() > MAX_NOTE || CONTROL.matcher(s).find()) {
                f.problem(field, "must hold texts of 1 to " + MAX_NOTE + " characters without control characters");
                return List.of();
            }
            out.add(s);
        }
        return out;
    }
}
