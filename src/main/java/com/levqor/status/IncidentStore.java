package com.levqor.status;

import static com.levqor.db.jooq.Tables.INCIDENTS;
import static com.levqor.db.jooq.Tables.INCIDENT_UPDATES;

import com.levqor.db.jooq.tables.records.IncidentUpdatesRecord;
import com.levqor.db.jooq.tables.records.IncidentsRecord;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Incidents and their updates in Postgres. The one transition, {@link #advance}, is a guarded
 * update: it moves the status only forward and never touches a resolved incident; 0 rows means it
 * did not apply and the caller says why.
 */
final class IncidentStore {
    private final DSLContext db;

    IncidentStore(DSLContext db) {
        this.db = db;
    }

    static OffsetDateTime at(Instant t) {
        return t == null ? null : OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    static String[] words(List<Component> components) {
        return components.stream().map(Component::wire).toArray(String[]::new);
    }

    static List<Component> components(String[] words) {
        return Arrays.stream(words).map(w -> Component.fromWire(w).orElseThrow()).toList();
    }

    void insert(DSLContext tx, UUID id, String title, Impact impact, List<Component> components, IncidentStatus status,
                Instant now) {
        tx.insertInto(INCIDENTS)
                .set(INCIDENTS.ID, id)
                .set(INCIDENTS.TITLE, title)
                .set(INCIDENTS.IMPACT, impact.wire())
                .set(INCIDENTS.COMPONENTS, words(components))
                .set(INCIDENTS.STATUS, status.wire())
                .set(INCIDENTS.CREATED_AT, at(now))
                .set(INCIDENTS.UPDATED_AT, at(now))
                .set(INCIDENTS.RESOLVED_AT, status == IncidentStatus.RESOLVED ? at(now) : null)
                .execute();
    }

    void insertUpdate(DSLContext tx, IncidentUpdate u) {
        tx.insertInto(INCIDENT_UPDATES)
                .set(INCIDENT_UPDATES.ID, u.id())
                .set(INCIDENT_UPDATES.INCIDENT_ID, u.incidentId())
                .set(INCIDENT_UPDATES.STATUS, u.status().wire())
                .set(INCIDENT_UPDATES.MESSAGE, u.message())
                .set(INCIDENT_UPDATES.WORKAROUND, u.workaround())
                .set(INCIDENT_UPDATES.ROOT_CAUSE, u.rootCause())
                .set(INCIDENT_UPDATES.FIX, u.fix())
                .set(INCIDENT_UPDATES.NEXT_UPDATE_MINUTES, u.nextUpdateMinutes())
                .set(INCIDENT_UPDATES.TEXT, u.text())
                .set(INCIDENT_UPDATES.CREATED_AT, at(u.createdAt()))
                .execute();
    }

    /**
     * Moves an open incident to {@code to} when that keeps its status or moves it forward; returns
     * the incident row as it now is, or empty when nothing changed (no such incident, resolved, or
     * {@code to} is behind its status).
     */
    Optional<IncidentsRecord> advance(DSLContext tx, UUID id, IncidentStatus to, Instant now) {
        List<String> from = to.reachableFrom().stream().map(IncidentStatus::wire).toList();
        return tx.update(INCIDENTS)
                .set(INCIDENTS.STATUS, to.wire())
                .set(INCIDENTS.UPDATED_AT, DSL.greatest(INCIDENTS.CREATED_AT, DSL.val(at(now))))
                .set(INCIDENTS.RESOLVED_AT, to == IncidentStatus.RESOLVED ? at(now) : null)
                .where(INCIDENTS.ID.eq(id)).and(INCIDENTS.STATUS.in(from))
                .returning()
                .fetchOptional();
    }

    /** The incident's status now, or empty when there is no such incident. */
    Optional<IncidentStatus> statusOf(DSLContext tx, UUID id) {
        return tx.select(INCIDENTS.STATUS).from(INCIDENTS).where(INCIDENTS.ID.eq(id))
                .fetchOptional(r -> IncidentStatus.fromWire(r.value1()).orElseThrow());
    }

    Optional<Incident> find(UUID id) {
        return find(db, id);
    }

    Optional<Incident> find(DSLContext tx, UUID id) {
        return withUpdates(tx, tx.selectFrom(INCIDENTS).where(INCIDENTS.ID.eq(id)).fetch()).stream().findFirst();
    }

    /** Newest first; {@code open} true: unresolved only, false: resolved only, empty: all. */
    List<Incident> list(Optional<Boolean> open, int limit) {
        Condition c = open.map(o -> o ? INCIDENTS.STATUS.ne(IncidentStatus.RESOLVED.wire())
                : INCIDENTS.STATUS.eq(IncidentStatus.RESOLVED.wire())).orElse(DSL.noCondition());
        return withUpdates(db, db.selectFrom(INCIDENTS).where(c).orderBy(INCIDENTS.CREATED_AT.desc(), INCIDENTS.ID.desc())
                .limit(limit).fetch());
    }

    /** What the status page shows: every open incident, and those resolved since {@code since}; newest first. */
    List<Incident> forPage(DSLContext tx, Instant since, int limit) {
        return withUpdates(tx, tx.selectFrom(INCIDENTS)
                .where(INCIDENTS.STATUS.ne(IncidentStatus.RESOLVED.wire()).or(INCIDENTS.RESOLVED_AT.ge(at(since))))
                .orderBy(INCIDENTS.CREATED_AT.desc(), INCIDENTS.ID.desc())
                .limit(limit).fetch());
    }

    private static List<Incident> withUpdates(DSLContext tx, List<IncidentsRecord> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<UUID, List<IncidentUpdate>> updates = new LinkedHashMap<>();
        rows.forEach(r -> updates.put(r.getId(), new ArrayList<>()));
        tx.selectFrom(INCIDENT_UPDATES).where(INCIDENT_UPDATES.INCIDENT_ID.in(updates.keySet()))
                .orderBy(INCIDENT_UPDATES.SEQ.desc())
                .forEach(u -> updates.get(u.getIncidentId()).add(update(u)));
        return rows.stream().map(r -> new Incident(r.getId(), r.getTitle(), Impact.fromWire(r.getImpact()).orElseThrow(),
                components(r.getComponents()), IncidentStatus.fromWire(r.getStatus()).orElseThrow(),
                instant(r.getCreatedAt()), instant(r.getUpdatedAt()), instant(r.getResolvedAt()),
                updates.get(r.getId()))).toList();
    }

    private static IncidentUpdate update(IncidentUpdatesRecord u) {
        return new IncidentUpdate(u.getId(), u.getIncidentId(), IncidentStatus.fromWire(u.getStatus()).orElseThrow(),
                u.getMessage(), u.getWorkaround(), u.getRootCause(), u.getFix(), u.getNextUpdateMinutes(), u.getText(),
                instant(u.getCreatedAt()));
    }
}
