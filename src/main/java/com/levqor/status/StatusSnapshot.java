package com.levqor.status;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the public endpoints answer until the next refresh, rendered once: requests read it and
 * write its bytes, with no database query and no rendering (an incident's page is rendered at its
 * first request and kept with the snapshot).
 */
final class StatusSnapshot {
    final long version;
    final Rendered page;
    final Rendered badge;
    final Spliced json;
    final Spliced atom;
    private final Map<UUID, Incident> incidents = new HashMap<>();
    private final Map<UUID, Rendered> incidentPages = new ConcurrentHashMap<>();
    private final StatusRenderer renderer;

    StatusSnapshot(long version, Instant at, StatusBoard board, StatusRecords records, StatusRenderer renderer) {
        this.version = version;
        this.renderer = renderer;
        this.page = Rendered.of(renderer.page(board, records, at), "text/html; charset=utf-8", "\"p" + version + "\"");
        this.badge = Rendered.of(renderer.badge(board.indicator()), "image/svg+xml; charset=utf-8", "\"b" + version + "\"");
        this.json = new Spliced(renderer.json(board, records, at), StatusRenderer.ORIGIN, "application/json", version);
        this.atom = new Spliced(renderer.atom(records, at), StatusRenderer.ORIGIN,
                "application/atom+xml; charset=utf-8", version);
        records.incidents().forEach(i -> incidents.put(i.id(), i));
    }

    /** The page of an incident of the history window; empty for any other id. */
    Optional<Rendered> incidentPage(UUID id) {
        Incident i = incidents.get(id);
        if (i == null) {
            return Optional.empty();
        }
        return Optional.of(incidentPages.computeIfAbsent(id, k -> Rendered.of(renderer.incidentPage(i),
                "text/html; charset=utf-8", "\"i" + version + "\"")));
    }
}
