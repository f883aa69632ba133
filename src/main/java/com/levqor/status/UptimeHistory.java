package com.levqor.status;

import static com.levqor.db.jooq.Tables.STATUS_DAILY;

import com.levqor.db.jooq.tables.records.StatusDailyRecord;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The health sampler's record in Postgres: per component and UTC day, how many samples found it in
 * each state ({@code status_daily}), kept {@value #KEEP_DAYS} days.
 */
final class UptimeHistory {
    /** Days of history kept and shown. */
    static final int KEEP_DAYS = 90;

    private final DSLContext db;

    UptimeHistory(DSLContext db) {
        this.db = db;
    }

    /** Adds samples (already summed per component and day) to the days' counts, and forgets days past the window. */
    void add(Collection<DailyCounts> counts, LocalDate today) {
        db.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            for (DailyCounts c : counts) {
                tx.insertInto(STATUS_DAILY)
                        .set(STATUS_DAILY.COMPONENT, c.component().wire())
                        .set(STATUS_DAILY.DAY, c.day())
                        .set(STATUS_DAILY.SAMPLES, c.samples())
                        .set(STATUS_DAILY.OPERATIONAL, c.operational())
                        .set(STATUS_DAILY.UNDER_MAINTENANCE, c.underMaintenance())
                        .set(STATUS_DAILY.DEGRADED_PERFORMANCE, c.degradedPerformance())
                        .set(STATUS_DAILY.PARTIAL_OUTAGE, c.partialOutage())
                        .set(STATUS_DAILY.MAJOR_OUTAGE, c.majorOutage())
                        .onConflict(STATUS_DAILY.COMPONENT, STATUS_DAILY.DAY)
                        .doUpdate()
                        .set(STATUS_DAILY.SAMPLES, STATUS_DAILY.SAMPLES.plus(DSL.excluded(STATUS_DAILY.SAMPLES)))
                        .set(STATUS_DAILY.OPERATIONAL, STATUS_DAILY.OPERATIONAL.plus(DSL.excluded(STATUS_DAILY.OPERATIONAL)))
                        .set(STATUS_DAILY.UNDER_MAINTENANCE,
                                STATUS_DAILY.UNDER_MAINTENANCE.plus(DSL.excluded(STATUS_DAILY.UNDER_MAINTENANCE)))
                        .set(STATUS_DAILY.DEGRADED_PERFORMANCE,
                                STATUS_DAILY.DEGRADED_PERFORMANCE.plus(DSL.excluded(STATUS_DAILY.DEGRADED_PERFORMANCE)))
                        .set(STATUS_DAILY.PARTIAL_OUTAGE,
                                STATUS_DAILY.PARTIAL_OUTAGE.plus(DSL.excluded(STATUS_DAILY.PARTIAL_OUTAGE)))
                        .set(STATUS_DAILY.MAJOR_OUTAGE, STATUS_DAILY.MAJOR_OUTAGE.plus(DSL.excluded(STATUS_DAILY.MAJOR_OUTAGE)))
                        .execute();
            }
            tx.deleteFrom(STATUS_DAILY).where(STATUS_DAILY.DAY.le(today.minusDays(KEEP_DAYS))).execute();
        });
    }

    /** The days of the window ending {@code today}, oldest first. */
    List<DailyCounts> window(DSLContext tx, LocalDate today) {
        return tx.selectFrom(STATUS_DAILY).where(STATUS_DAILY.DAY.gt(today.minusDays(KEEP_DAYS)))
                .orderBy(STATUS_DAILY.DAY, STATUS_DAILY.COMPONENT)
                .fetch(UptimeHistory::toCounts);
    }

    private static DailyCounts toCounts(StatusDailyRecord r) {
        return new DailyCounts(Component.fromWire(r.getComponent()).orElseThrow(), r.getDay(), r.getSamples(),
                r.getOperational(), r.getUnderMaintenance(), r.getDegradedPerformance(), r.getPartialOutage(),
                r.getMajorOutage());
    }
}
