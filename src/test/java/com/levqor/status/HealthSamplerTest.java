package com.levqor.status;

import static com.levqor.db.jooq.Tables.STATUS_DAILY;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.api.Json;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.db.LeaderLock;
import com.levqor.db.jooq.tables.records.StatusDailyRecord;
import com.levqor.ops.HealthService;
import com.levqor.ops.Metrics;
import com.levqor.ops.ServiceCheck;
import com.levqor.testing.Await;
import com.levqor.testing.MutableClock;
import com.levqor.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health sampler against a real database: what it records per component and day, the uptime
 * percentages the page computes from that, one sampler at a time, the 90-day window, and samples
 * kept through a database outage.
 */
class HealthSamplerTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T23:00:00Z"));
    final Map<String, ServiceCheck.State> checks = new HashMap<>();
    String jdbcUrl;
    Database database;
    HealthService health;
    SnapshotRefresher refresher;
    UptimeHistory history;
    IncidentService incidents;

    @BeforeEach
    void build() throws Exception {
        jdbcUrl = TestPostgres.newDatabase();
        Map<String, String> env = Map.of("DATABASE_URL", jdbcUrl, "DB_POOL_SIZE", "6", "DB_CONNECT_TIMEOUT_MS", "1000");
        database = Database.open(Settings.parse(env).database(), null);
        health = new HealthService(database, new Metrics(), "test");
        for (String name : new String[] {"queue", "payments", "email"}) {
            checks.put(name, ServiceCheck.State.OPERATIONAL);
            health.register(new ServiceCheck() { // the real checks' contract, with a state the test sets
                @Override
                public String name() {
                    return name;
                }

                @Override
                public boolean critical() {
                    return false;
                }

                @Override
                public State check() {
                    return checks.get(name);
                }
            });
        }
        Mustaches templates = new Mustaches();
        IncidentStore store = new IncidentStore(database.dsl());
        MaintenanceStore maintenances = new MaintenanceStore(database.dsl());
        history = new UptimeHistory(database.dsl());
        refresher = new SnapshotRefresher(database, health, store, maintenances, history,
                new StatusRenderer(templates, Json.newMapper(), "Test Status", 60, "v"), clock);
        incidents = new IncidentService(database.dsl(), store, maintenances, new IncidentText(templates), clock, () -> { });
    }

    @AfterEach
    void close() {
        database.close();
    }

    HealthSampler sampler() {
        return new HealthSampler(refresher, history, new LeaderLock(database.dataSource(), HealthSampler.LOCK_KEY,
                "samples health (test)"), Duration.ofSeconds(60), clock);
    }

    StatusDailyRecord day(String component, String day) {
        return database.dsl().selectFrom(STATUS_DAILY).where(STATUS_DAILY.COMPONENT.eq(component))
                .and(STATUS_DAILY.DAY.eq(LocalDate.parse(day))).fetchOne();
    }

    @Test
    void samplesAreCountedPerComponentAndDayAndMakeTheUptimePercentages() {
        HealthSampler sampler = sampler();
        String id = null;
        for (int i = 0; i < 100; i++) {
            checks.put("email", i < 3 ? ServiceCheck.State.DOWN : ServiceCheck.State.OPERATIONAL);
            checks.put("queue", i >= 50 && i < 60 ? ServiceCheck.State.DEGRADED : ServiceCheck.State.OPERATIONAL);
            if (i == 70) {
                id = incidents.open(new IncidentRequests.Open("Payments slow", Impact.MAJOR, java.util.List.of(Component.PAYMENTS),
                        IncidentStatus.INVESTIGATING, "Looking.", null, null)).id().toString();
                refresher.refresh();
            }
            if (i == 90) {
                incidents.update(java.util.UUID.fromString(id), new IncidentRequests.Update(IncidentStatus.RESOLVED,
                        "Fixed.", null, null, null, null));
                refresher.refresh();
            }
            sampler.runOnce();
            clock.advance(Duration.ofMinutes(1));
        }
        // 23:00 to 00:39: 60 samples on the first day, 40 on the next.
        StatusDailyRecord email = day("email", "2026-03-01");
        assertThat(email.getSamples()).isEqualTo(60);
        assertThat(email.getMajorOutage()).isEqualTo(3);
        assertThat(email.getOperational()).isEqualTo(57);
        assertThat(day("email", "2026-03-02").getOperational()).isEqualTo(40);
        assertThat(day("queue", "2026-03-01").getDegradedPerformance()).isEqualTo(10);
        assertThat(day("payments", "2026-03-02").getPartialOutage()).isEqualTo(20);
        assertThat(day("api", "2026-03-02").getSamples()).isEqualTo(40);

        String page = new String(refresher.refresh().page.bytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(uptimeOf(page, "Email")).isEqualTo("97.00% uptime (90 days)");
        assertThat(uptimeOf(page, "Payments")).isEqualTo("94.00% uptime (90 days)"); // a partial outage weighs 0.3
        assertThat(uptimeOf(page, "Job queue")).isEqualTo("100.00% uptime (90 days)"); // degraded is up
        assertThat(uptimeOf(page, "API")).isEqualTo("100.00% uptime (90 days)");
        assertThat(page).contains("2026-03-01: 95.00% uptime; major outage about 3 min")
                .contains("2026-03-02: 85.00% uptime; partial outage about 20 min");
    }

    private static String uptimeOf(String page, String label) {
        int at = page.indexOf("<h3>" + label + "</h3>");
        int u = page.indexOf("<span class=\"uptime\">", at) + "<span class=\"uptime\">".length();
        return page.substring(u, page.indexOf("</span>", u));
    }

    @Test
    void oneSamplerAtATimeAndAnotherTakesOverWhenItStops() {
        HealthSampler first = sampler();
        HealthSampler second = sampler();
        for (int i = 0; i < 5; i++) {
            first.runOnce();
            second.runOnce();
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(day("api", "2026-03-01").getSamples()).isEqualTo(5);
        first.stopped(); // the scheduler stops it (its process ends): the lock goes with it
        second.runOnce();
        second.runOnce();
        assertThat(day("api", "2026-03-01").getSamples()).isEqualTo(7);
    }

    @Test
    void daysOlderThanTheWindowAreForgotten() {
        HealthSampler sampler = sampler();
        sampler.runOnce();
        clock.advance(Duration.ofDays(UptimeHistory.KEEP_DAYS));
        sampler.runOnce();
        assertThat(database.dsl().fetchCount(STATUS_DAILY)).isEqualTo(5); // one day of five components
        assertThat(day("api", "2026-03-01")).isNull();
    }

    @Test
    void samplesTakenWhileTheDatabaseIsDownAreWrittenWhenItIsBack() throws Exception {
        HealthSampler sampler = sampler();
        sampler.runOnce();
        clock.advance(Duration.ofMinutes(1));
        StatusUnderOutageTest.refuseConnections(jdbcUrl, true);
        try {
            for (int i = 0; i < 4; i++) {
                sampler.runOnce();
                clock.advance(Duration.ofMinutes(1));
            }
            assertThat(sampler.pending()).isEqualTo(4);
        } finally {
            StatusUnderOutageTest.refuseConnections(jdbcUrl, false);
        }
        // The pool reconnects within a round or two; each round samples once more.
        Await.until("the kept samples written", Duration.ofSeconds(30), () -> {
            sampler.runOnce();
            clock.advance(Duration.ofMinutes(1));
            return sampler.pending() == 0;
        });
        StatusDailyRecord db = day("database", "2026-03-01");
        assertThat(db.getSamples()).isGreaterThanOrEqualTo(6);
        // The four rounds of the outage, and perhaps a round while the pool was still reconnecting.
        assertThat(db.getMajorOutage()).isGreaterThanOrEqualTo(4);
        assertThat(db.getOperational()).isGreaterThanOrEqualTo(2).isEqualTo(db.getSamples() - db.getMajorOutage());
        assertThat(day("api", "2026-03-01").getMajorOutage()).isEqualTo(db.getMajorOutage());
        assertThat(day("queue", "2026-03-01").getOperational()).isEqualTo(db.getSamples());
    }
}
