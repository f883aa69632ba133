package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Chaos scenario 2: two {@code serve} processes share one Postgres and one Redis under a steady load
 * (sent to both, as a load balancer would, and only to the survivor once one stops answering). One is
 * killed with SIGKILL while it runs jobs, then started again. Every acknowledged job exists and
 * finishes exactly once; the jobs it held run on the other process after their lease.
 */
class ServeKillChaosTest {
    private static final int LEASE_SECONDS = 3;

    @Test
    void sigkilledServeLosesNoAcknowledgedJobAndItsHeldJobsRunElsewhereAfterTheLease() {
        ChaosReport report = new ChaosReport("2-serve-sigkill");
        Map<String, String> env = Map.of("WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200",
                "REDISPATCH_AFTER_MS", "2000", "JOB_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));
        try (ChaosPostgres pg = ChaosPostgres.start(80);
             TestRedis redis = TestRedis.start();
             LevqorProcess victim = LevqorProcess.serve("kill-victim", pg.jdbcUrl(), redis.url(), env);
             LevqorProcess survivor = LevqorProcess.serve("kill-survivor", pg.jdbcUrl(), redis.url(), env)) {
            String key = survivor.http().createAccount("serve-kill@example.com");
            Path records = survivor.dir().resolveSibling("kill-records");
            AtomicInteger turn = new AtomicInteger();
            // Round robin over the processes that are up, as a load balancer with health checks would.
            Load load = new Load(() -> turn.incrementAndGet() % 2 == 0 && victim.alive() ? victim.http() : survivor.http(),
                    key, records, 3, 100, 40, Chaos.pick(1_500, 6_000), Chaos.pick(50, 150));
            long victimPid = victim.pid();
            Await.until("the victim runs jobs", Duration.ofSeconds(60), () -> load.acknowledged() >= Chaos.pick(40, 300)
                    && ChaosReport.executions(records).stream().anyMatch(e -> e.pid() == victimPid && !e.done()));

            victim.kill();
            long killed = System.nanoTime();
            long killedMillis = System.currentTimeMillis();
            Chaos.sleep(Chaos.pick(LEASE_SECONDS * 1000 + 2_000, 20_000));
            long starting = System.nanoTime();
            victim.start(); // same port and folders, waits for /readyz
            long restarted = System.nanoTime();
            load.awaitAcknowledgedAfter("the restarted process acknowledges", restarted, Duration.ofSeconds(60));
            Chaos.sleep(Chaos.pick(2_000, 20_000));
            List<Load.Outcome> outcomes = load.stop();

            Set<Long> killedPids = Set.of(victimPid);
            ChaosReport.Tally tally = report.tally(pg, records, outcomes, killedPids, Duration.ofSeconds(120));
            // Jobs the victim was running when it died (started, never done there), and when they finished elsewhere.
            Set<String> held = new java.util.HashSet<>();
            tally.executions().stream().filter(e -> e.pid() == victimPid && !e.done()).forEach(e -> held.add(e.jobId()));
            tally.executions().stream().filter(e -> e.pid() == victimPid && e.done()).forEach(e -> held.remove(e.jobId()));
            long heldDoneAt = tally.executions().stream().filter(e -> held.contains(e.jobId()) && e.done() && e.pid() != victimPid)
                    .mapToLong(ChaosReport.Execution::epochMillis).max().orElse(killedMillis);
            report.put("held_by_killed_process", held.size())
                    .put("rerun_after_kill", ChaosReport.rerunAfterKill(tally.executions(), killedPids))
                    .put("held_jobs_finished_after_seconds", (heldDoneAt - killedMillis) / 1000.0)
                    .put("lease_seconds", LEASE_SECONDS)
                    .put("down_seconds", Chaos.seconds(starting - killed))
                    .put("restart_ready_seconds", Chaos.seconds(restarted - starting))
                    .put("requests", outcomes.size())
                    .put("errors", ChaosReport.errors(outcomes));
            report.write();

            tally.assertNoneLostOrRunTwice(report);
            assertThat(held).as("jobs the killed process was running").isNotEmpty();
            assertThat(held).as("each held job finished on another process")
                    .allSatisfy(id -> assertThat(tally.executions()).anySatisfy(e -> {
                        assertThat(e.jobId()).isEqualTo(id);
                        assertThat(e.pid()).isNotEqualTo(victimPid);
                        assertThat(e.done()).isTrue();
                    }));
            assertThat(ChaosReport.errors(outcomes).keySet()).as("errors answered: only a connection cut by the kill")
                    .allSatisfy(k -> assertThat(k).isIn("0 cut", "0 refused"));
        }
    }
}
