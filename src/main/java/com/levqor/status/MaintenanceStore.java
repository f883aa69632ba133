package com.levqor.status;

import static com.levqor.db.jooq.Tables.MAINTENANCES;
import static com.levqor.status.IncidentStore.at;
import static com.levqor.status.IncidentStore.instant;

import com.levqor.db.jooq.tables.records.MaintenancesRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Scheduled maintenance windows in Postgres. */
final class MaintenanceStore {
    private final DSLContext db;

    MaintenanceStore(DSLContext db) {
        this.db = db;
    }

    void insert(Maintenance m) {
        db.insertInto(MAINTENANCES)
                .set(MAINTENANCES.ID, m.id())
                .set(MAINTENANCES.TITLE, m.title())
                .set(MAINTENANCES.COMPONENTS, IncidentStore.words(m.components()))
                .set(MAINTENANCES.MESSAGE, m.message())
                .set(MAINTENANCES.STARTS_AT, at(m.startsAt()))
                .set(MAINTENANCES.ENDS_AT, at(m.endsAt()))
                .set(MAINTENANCES.CREATED_AT, at(m.createdAt()))
                .execute();
    }

    /** Cancels a window that is not over or cancelled yet; empty when there is no such window. */
    Optional<Maintenance> cancel(UUID id, Instant now) {
        db.update(MAINTENANCES).set(MAINTENANCES.CANCELLED_AT, at(now))
                .where(MAINTENANCES.ID.eq(id)).and(MAINTENANCES.CANCELLED_AT.isNull())
                .and(MAINTENANCES.ENDS_AT.gt(at(now)))
                .execute();
        return db.selectFrom(MAINTENANCES).where(MAINTENANCES.ID.eq(id)).fetchOptional(MaintenanceStore::toMaintenance);
    }

    /** Windows ending after {@code since} (and not cancelled), earliest start first. */
    List<Maintenance> endingAfter(DSLContext tx, Instant since, int limit) {
        return tx.selectFrom(MAINTENANCES)
                .where(MAINTENANCES.ENDS_AT.gt(at(since))).and(MAINTENANCES.CANCELLED_AT.isNull())
                .orderBy(MAINTENANCES.STARTS_AT, MAINTENANCES.ID)
                .limit(limit).fetch(MaintenanceStore::toMaintenance);
    }

    /** Windows in a phase at {@code now} (or all), latest start first. */
    List<Maintenance> list(Optional<Maintenance.Phase> phase, Instant now, int limit) {
        Condition c = phase.map(p -> switch (p) {
            case SCHEDULED -> MAINTENANCES.CANCELLED_AT.isNull().and(MAINTENANCES.STARTS_AT.gt(at(now)));
            case IN_PROGRESS -> MAINTENANCES.CANCELLED_AT.isNull().and(MAINTENANCES.STARTS_AT.le(at(now)))
                    .and(MAINTENANCES.ENDS_AT.gt(at(now)));
            case COMPLETED -> MAINTENANCES.CANCELLED_AT.isNull().and(MAINTENANCES.ENDS_AT.le(at(now)));
            case CANCELLED -> MAINTENANCES.CANCELLED_AT.isNotNull();
        }).orElse(DSL.noCondition());
        return db.selectFrom(MAINTENANCES).where(c).orderBy(MAINTENANCES.STARTS_AT.desc(), MAINTENANCES.ID.desc())
                .limit(limit).fetch(MaintenanceStore::toMaintenance);
    }

    private static Maintenance toMaintenance(MaintenancesRecord r) {
        return new Maintenance(r.getId(), r.getTitle(), IncidentStore.components(r.getComponents()), r.getMessage(),
                instant(r.getStartsAt()), instant(r.getEndsAt()), instant(r.getCreatedAt()), instant(r.getCancelledAt()));
    }
}
