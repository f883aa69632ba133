package com.levqor.status;

import com.levqor.db.Database;
import com.levqor.ops.HealthService;
import com.levqor.runtime.Duty;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's {@link StatusSnapshot} fresh, as a {@link Duty} of the scheduler: every
 * {@link #INTERVAL} (and at once when woken after a change made here) it checks health as
 * {@code /ops/uptime} does, reads the incidents, maintenance and uptime history from Postgres, and
 * renders every public answer. While the database does not answer it keeps the last records it read
 * and still refreshes the live state, so the page shows the outage instead of failing with it.
 */
final class SnapshotRefresher implements Duty {
    private static final Logger log = LoggerFactory.getLogger(SnapshotRefresher.class);
    /** How often the snapshot is rebuilt: the page is at most this much behind a change made elsewhere. */
    static final Duration INTERVAL = Duration.ofSeconds(5);
    /** Longest the reads of one refresh may take: a hung database must not stop the live state. */
    static final long READ_TIMEOUT_MILLIS = 3_000;
    /** Most incidents the page holds (open ones, and those resolved within the history window). */
    static final int MAX_INCIDENTS = 500;
    static final int MAX_MAINTENANCES = 100;

    private final Database database;
    private final HealthService health;
    private final IncidentStore incidents;
    private final MaintenanceStore maintenances;
    private final UptimeHistory history;
    private final StatusRenderer renderer;
    private final Clock clock;
    private volatile StatusRecords records = StatusRecords.NONE;
    private volatile StatusSnapshot current;
    private long version;
    private boolean readFailing;

    SnapshotRefresher(Database database, HealthService health, IncidentStore incidents, MaintenanceStore maintenances,
                      UptimeHistory history, StatusRenderer renderer, Clock clock) {
        this.database = database;
        this.health = health;
        this.incidents = incidents;
        this.maintenances = maintenances;
        this.history = history;
        this.renderer = renderer;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "status-snapshot";
    }

    @Override
    public Duration interval() {
        return INTERVAL;
    }

    @Override
    public boolean runOnce() {
        refresh();
        return false;
    }

    /** Rebuilds the snapshot now; returns it. */
    synchronized StatusSnapshot refresh() {
        Map<Component, ComponentStatus> live = LiveState.of(health.uptime());
        if (live.get(Component.DATABASE) != ComponentStatus.MAJOR_OUTAGE) {
            read();
        }
        Instant now = clock.instant();
        StatusRecords r = records;
        StatusSnapshot s = new StatusSnapshot(++version, now, StatusBoard.of(live, r.incidents(), r.maintenances(), now),
                r, renderer);
        current = s;
        return s;
    }

    private void read() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        try {
            records = database.dsl().transactionResult(cfg -> {
                DSLContext tx = DSL.using(cfg);
                tx.select(DSL.function("set_config", String.class, DSL.val("statement_timeout"),
                        DSL.val(Long.toString(READ_TIMEOUT_MILLIS)), DSL.inline(true))).fetch();
                return new StatusRecords(
                        incidents.forPage(tx, now.minus(Duration.ofDays(UptimeHistory.KEEP_DAYS)), MAX_INCIDENTS),
                        maintenances.endingAfter(tx, now, MAX_MAINTENANCES),
                        history.window(tx, today), now);
            });
            if (readFailing) {
                log.info("The status page reads its incidents from the database again");
                readFailing = false;
            }
        } catch (RuntimeException e) {
            if (!readFailing) {
                log.warn("The status page could not read its incidents ({}); it shows the last ones read", e.toString());
                readFailing = true;
            }
        }
    }

    /** The snapshot the public endpoints serve; built on first use when the scheduler has not run yet. */
    StatusSnapshot current() {
        StatusSnapshot s = current;
        return s != null ? s : refresh();
    }

    /** The snapshot built last, or null before the first one (never builds one: a refresh reads the database). */
    StatusSnapshot built() {
        return current;
    }

    /** The page's state now: live health and the records last read (for the sampler). */
    StatusBoard boardNow() {
        Instant now = clock.instant();
        StatusRecords r = records;
        return StatusBoard.of(LiveState.of(health.uptime()), r.incidents(), r.maintenances(), now);
    }
}
