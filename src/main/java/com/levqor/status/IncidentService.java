package com.levqor.status;

import com.levqor.api.ApiException;
import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.IncidentsRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * What the operator does during an incident: open it, post updates (status only forward), schedule
 * maintenance. Each change is one transaction; {@code changed} is told after it commits, so this
 * process's status page shows it at once (other processes within their refresh interval).
 */
public final class IncidentService {
    private final DSLContext db;
    private final IncidentStore incidents;
    private final MaintenanceStore maintenances;
    private final IncidentText texts;
    private final Clock clock;
    private final Runnable changed;

    IncidentService(DSLContext db, IncidentStore incidents, MaintenanceStore maintenances, IncidentText texts,
                    Clock clock, Runnable changed) {
        this.db = db;
        this.incidents = incidents;
        this.maintenances = maintenances;
        this.texts = texts;
        this.clock = clock;
        this.changed = changed;
    }

    /** Opens an incident with its first update. */
    Incident open(IncidentRequests.Open o) {
        Instant now = clock.instant();
        UUID id = Uuids.v7(clock);
        Incident created = db.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            incidents.insert(tx, id, o.title(), o.impact(), o.components(), o.status(), now);
            incidents.insertUpdate(tx, new IncidentUpdate(Uuids.v7(clock), id, o.status(), o.message(), o.workaround(),
                    null, null, o.nextUpdateMinutes(), texts.render(o.title(), o.status(), o.message(), o.workaround(),
                    null, null, o.nextUpdateMinutes(), now), now));
            return incidents.find(tx, id).orElseThrow();
        });
        changed.run();
        return created;
    }

    /**
     * Posts an update: the status stays or moves forward.
     *
     * @throws ApiException 404 {@code incident_not_found}; 409 {@code incident_resolved} (a resolved
     *                      incident takes no more updates) or {@code status_backwards}
     */
    Incident update(UUID id, IncidentRequests.Update u) {
        Instant now = clock.instant();
        Incident updated = db.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            IncidentsRecord row = incidents.advance(tx, id, u.status(), now).orElseThrow(() -> refusal(tx, id, u.status()));
            incidents.insertUpdate(tx, new IncidentUpdate(Uuids.v7(clock), id, u.status(), u.message(), u.workaround(),
                    u.rootCause(), u.fix(), u.nextUpdateMinutes(), texts.render(row.getTitle(), u.status(), u.message(),
                    u.workaround(), u.rootCause(), u.fix(), u.nextUpdateMinutes(), now), now));
            return incidents.find(tx, id).orElseThrow();
        });
        changed.run();
        return updated;
    }

    private ApiException refusal(DSLContext tx, UUID id, IncidentStatus wanted) {
        IncidentStatus now = incidents.statusOf(tx, id).orElseThrow(() -> notFound(id.toString()));
        if (now == IncidentStatus.RESOLVED) {
            return ApiException.conflict("incident_resolved", "Incident " + id + " is resolved and takes no more "
                    + "updates; open a new incident if the problem is back.");
        }
        return ApiException.conflict("status_backwards", "Incident " + id + " is " + now.wire()
                + "; its status moves only forward (investigating, identified, monitoring, resolved), not back to "
                + wanted.wire() + ".");
    }

    static ApiException notFound(String id) {
        return ApiException.notFound("incident_not_found", "No incident with id '" + id + "'.");
    }

    Optional<Incident> find(UUID id) {
        return incidents.find(id);
    }

    /** Newest first; {@code open}: true unresolved only, false resolved only, empty all. */
    List<Incident> list(Optional<Boolean> open, int limit) {
        return incidents.list(open, limit);
    }

    Maintenance schedule(IncidentRequests.Schedule s) {
        Maintenance m = new Maintenance(Uuids.v7(clock), s.title(), s.components(), s.message(), s.startsAt(),
                s.endsAt(), clock.instant(), null);
        maintenances.insert(m);
        changed.run();
        return m;
    }

    /** Cancels a window not over yet (a window already over or cancelled stays as it is). */
    Optional<Maintenance> cancel(UUID id) {
        Optional<Maintenance> m = maintenances.cancel(id, clock.instant());
        changed.run();
        return m;
    }

    List<Maintenance> maintenances(Optional<Maintenance.Phase> phase, int limit) {
        return maintenances.list(phase, clock.instant(), limit);
    }

    Instant now() {
        return clock.instant();
    }
}
