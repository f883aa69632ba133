package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Chaos scenario 1: Postgres stopped abruptly ({@code pg_ctl stop -m immediate}) for 10 s under a
 * steady intake load, then started again. While it is down intake answers 503 with an error code
 * (never a 202 for a job not stored) and {@code /ops/uptime} says the database is down; afterwards the
 * same {@code serve} process recovers by itself and every acknowledged job finishes exactly once.
 */
class PostgresRestartChaosTest {
    private static final long DOWN_MILLIS = 10_000;

    /** An /ops/uptime answer seen while the database was down. */
    private record Probe(int status, String database) {
    }

    @Test
    void intakeAnswers503WhileDownAndEveryAcknowledgedJobFinishesOnceAfter() {
        ChaosReport report = new ChaosReport("1-postgres-restart");
        try (ChaosPostgres pg = ChaosPostgres.start(60);
             TestRedis redis = TestRedis.start();
             LevqorProcess serve = LevqorProcess.serve("pg-restart", pg.jdbcUrl(), redis.url(), Map.of(
                     "WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200", "REDISPATCH_AFTER_MS", "2000"))) {
            ChaosHttp http = serve.http();
            String key = http.createAccount("pg-restart@example.com");
            Path records = serve.dir().resolve("records");
            Load load = new Load(() -> http, key, records, 3, 30, 20, Chaos.pick(3_000, 20_000), Chaos.pick(50, 150));
            Await.until("load acknowledged", Duration.ofSeconds(60), () -> load.acknowledged() >= Chaos.pick(30, 300));

            pg.stopImmediately();
            long down = System.nanoTime();
            List<Probe> probes = new ArrayList<>();
            while (System.nanoTime() - down < DOWN_MILLIS * 1_000_000) {
                ChaosHttp.Answer a = http.get("/ops/uptime");
                probes.add(new Probe(a.status(), a.json().path("services").path("database").asText("")));
                Chaos.sleep(250);
            }
            // pg_ctl start -w returns up to a poll interval after Postgres answers: the window in which it was
            // surely down ends when the start begins, not when pg_ctl returns.
            long restarting = System.nanoTime();
            pg.startAgain();
            long up = System.nanoTime();

            // Recovered by itself: a job posted after the restart is acknowledged, /ops/uptime is 200 again.
            Await.until("/ops/uptime 200 after Postgres came back", Duration.ofSeconds(60),
                    () -> http.get("/ops/uptime").status() == 200);
            long uptimeBack = System.nanoTime();
            load.awaitAcknowledgedAfter("a 202 after Postgres came back", up, Duration.ofSeconds(60));
            long recovered = load.firstAcknowledgedEndingAfter(up);
            Chaos.sleep(Chaos.pick(2_000, 20_000));
            List<Load.Outcome> outcomes = load.stop();

            ChaosReport.Tally tally = report.tally(pg, records, outcomes, Set.of(), Duration.ofSeconds(120));
            List<Load.Outcome> whileDown = outcomes.stream()
                    .filter(o -> o.startedNanos() > down && o.endedNanos() < restarting).toList();
            report.put("down_seconds", Chaos.seconds(up - down))
                    .put("recover_seconds", Chaos.seconds(recovered - up))
                    .put("uptime_ok_after_seconds", Chaos.seconds(uptimeBack - up))
                    .put("requests", outcomes.size())
                    .put("errors", ChaosReport.errors(outcomes))
                    .put("errors_while_down", ChaosReport.errors(whileDown))
                    .put("slowest_answer_while_down_ms", whileDown.stream().mapToLong(Load.Outcome::millis).max().orElse(0))
                    .put("acknowledged_while_down", whileDown.stream().filter(o -> o.status() == 202).count())
                    .put("uptime_while_down", probes.stream().map(p -> p.status() + " " + p.database()).distinct().toList());
            report.write();

            tally.assertNoneLostOrRunTwice(report);
            assertThat(whileDown).as("intake requests answered while Postgres was down").isNotEmpty()
                    .allSatisfy(o -> {
                        assertThat(o.status()).as("status while down").isEqualTo(503);
                        assertThat(o.error()).as("error code while down").isNotBlank();
                    });
            assertThat(probes).as("/ops/uptime while down").isNotEmpty()
                    .anySatisfy(p -> assertThat(p).isEqualTo(new Probe(503, "down")))
                    .allSatisfy(p -> assertThat(p.status()).isIn(200, 503));
        }
    }
}
