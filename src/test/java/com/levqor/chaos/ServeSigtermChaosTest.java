package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Chaos scenario 3: SIGTERM to one of two {@code serve} processes under load. A load balancer (here: a
 * prober of {@code /readyz} every 100 ms) stops sending to it once readiness fails. Readiness fails
 * first; every request sent gets a whole answer (none cut or refused); jobs running there finish within
 * {@code WORKER_SHUTDOWN_GRACE_MS} or are released and run on the other process; the process exits 0;
 * nothing is lost or run twice.
 */
@Tag("chaos-only")
class ServeSigtermChaosTest {
    private static final long DRAIN_MS = 3_000;
    private static final long GRACE_MS = 2_000;

    @Test
    void sigtermedServeDrainsCutsNoRequestAndReleasesWhatOutlastsTheGrace() {
        ChaosReport report = new ChaosReport("3-serve-sigterm");
        Map<String, String> env = Map.of("WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200",
                "REDISPATCH_AFTER_MS", "2000", "JOB_LEASE_SECONDS", "5", "SHUTDOWN_DRAIN_MS", Long.toString(DRAIN_MS),
                "WORKER_SHUTDOWN_GRACE_MS", Long.toString(GRACE_MS));
        try (ChaosPostgres pg = ChaosPostgres.start(80);
             TestRedis redis = TestRedis.start();
             LevqorProcess leaving = LevqorProcess.serve("term-leaving", pg.jdbcUrl(), redis.url(), env);
             LevqorProcess staying = LevqorProcess.serve("term-staying", pg.jdbcUrl(), redis.url(), env)) {
            String key = staying.http().createAccount("serve-term@example.com");
            Path records = staying.dir().resolveSibling("term-records");
            AtomicBoolean leavingReady = new AtomicBoolean(true);
            AtomicLong notReadyAt = new AtomicLong();
            AtomicBoolean probing = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> probes = new ConcurrentLinkedQueue<>();
            Thread prober = new Thread(() -> {
                while (probing.get()) {
                    ChaosHttp.Answer a = leaving.http().get("/readyz");
                    probes.add(a.status() + " " + a.json().path("status").asText(""));
                    if (a.status() != 200 && leavingReady.getAndSet(false)) {
                        notReadyAt.set(System.nanoTime());
                    }
                    Chaos.sleep(100);
                }
            }, "readyz-prober");
            prober.start();
            long[] turn = {0};
            // Every 25th job outlasts the grace: it is released at shutdown and runs again on the other process.
            Load load = new Load(() -> (turn[0]++ % 2 == 0 && leavingReady.get()) ? leaving.http() : staying.http(),
                    key, records, 3, n -> n % 25 == 0 ? 4_000 : 100, Chaos.pick(40, 80), Chaos.pick(800, 6_000),
                    Chaos.pick(60, 150));
            long leavingPid = leaving.pid();
            Await.until("the leaving process runs a long job", Duration.ofSeconds(60), () ->
                    load.acknowledged() >= Chaos.pick(40, 300) && ChaosReport.executions(records).stream()
                            .anyMatch(e -> e.pid() == leavingPid && !e.done()));

            leaving.terminate();
            long termed = System.nanoTime();
            int exit = leaving.waitExit();
            long exited = System.nanoTime();
            probing.set(false);
            Chaos.sleep(Chaos.pick(2_000, 15_000));
            List<Load.Outcome> outcomes = load.stop();

            ChaosReport.Tally tally = report.tally(pg, records, outcomes, Set.of(), Duration.ofSeconds(300));
            // Not killed, but its interrupted runs never finished: count finished runs everywhere.
            Set<String> released = new HashSet<>();
            tally.executions().stream().filter(e -> e.pid() == leavingPid && !e.done()).forEach(e -> released.add(e.jobId()));
            tally.executions().stream().filter(e -> e.pid() == leavingPid && e.done()).forEach(e -> released.remove(e.jobId()));
            report.put("released_at_shutdown", released.size())
                    .put("readiness_503_after_seconds", notReadyAt.get() == 0 ? null : Chaos.seconds(notReadyAt.get() - termed))
                    .put("exit_after_seconds", Chaos.seconds(exited - termed))
                    .put("exit_status", exit)
                    .put("requests", outcomes.size())
                    .put("errors", ChaosReport.errors(outcomes))
                    .put("readyz_answers", probes.stream().distinct().toList());
            report.write();

            assertThat(exit).as("exit status after SIGTERM").isZero();
            assertThat(notReadyAt.get()).as("readiness failed before the process went").isNotZero();
            assertThat(probes).as("readiness said draining").contains("503 draining");
            tally.assertNoneLostOrRunTwice(report);
            assertThat(ChaosReport.errors(outcomes)).as("requests not answered whole, or refused: %s", report).isEmpty();
            assertThat(released).as("long jobs released at shutdown").isNotEmpty()
                    .allSatisfy(id -> assertThat(tally.executions()).anySatisfy(e -> {
                        assertThat(e.jobId()).isEqualTo(id);
                        assertThat(e.pid()).isNotEqualTo(leavingPid);
                        assertThat(e.done()).isTrue();
                    }));
        }
    }
}
