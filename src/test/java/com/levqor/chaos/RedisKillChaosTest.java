package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Chaos scenario 5: Redis killed with SIGKILL while job ids wait in the workers' processing lists (a
 * {@code serve} and a {@code levqor worker} taking from it), then started again empty. The queue turns
 * sync, every acknowledged job finishes exactly once (Postgres has them all; the ids Redis lost are
 * dispatched again), and async mode comes back.
 */
@Tag("chaos-only")
class RedisKillChaosTest {
    private static final long DOWN_MILLIS = 5_000;

    @Test
    void redisKilledWithJobsInProcessingListsLosesAndRepeatsNothing() {
        ChaosReport report = new ChaosReport("5-redis-sigkill");
        Map<String, String> env = Map.of("WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200",
                "REDISPATCH_AFTER_MS", "2000", "JOB_LEASE_SECONDS", "5", "REDIS_CHECK_INTERVAL_MS", "250");
        try (ChaosPostgres pg = ChaosPostgres.start(80);
             TestRedis redis = TestRedis.start();
             LevqorProcess serve = LevqorProcess.serve("redis-kill", pg.jdbcUrl(), redis.url(), env);
             LevqorProcess worker = LevqorProcess.worker("redis-kill-worker", pg.jdbcUrl(), redis.url(), env)) {
            ChaosHttp http = serve.http();
            String key = http.createAccount("redis-kill@example.com");
            Await.until("async mode", Duration.ofSeconds(30), () -> RedisHangChaosTest.mode(http).equals("async"));
            Path records = serve.dir().resolve("records");
            Load load = new Load(() -> http, key, records, 3, 150, 50, Chaos.pick(3_000, 10_000), Chaos.pick(60, 150));
            Await.until("ids in processing lists", Duration.ofSeconds(60),
                    () -> load.acknowledged() >= Chaos.pick(30, 300) && processing(redis) > 0);
            long inProcessing = processing(redis);

            redis.kill();
            long killed = System.nanoTime();
            Await.until("sync mode after SIGKILL", Duration.ofSeconds(30), () -> RedisHangChaosTest.mode(http).equals("sync"));
            long switched = System.nanoTime();
            Chaos.sleep(Math.max(0, DOWN_MILLIS - (switched - killed) / 1_000_000));
            redis.startProcess(); // the same port, empty: no persistence
            long started = System.nanoTime();
            Await.until("async mode after Redis came back", Duration.ofSeconds(60),
                    () -> RedisHangChaosTest.mode(http).equals("async"));
            long back = System.nanoTime();
            Chaos.sleep(Chaos.pick(2_000, 15_000));
            List<Load.Outcome> outcomes = load.stop();

            ChaosReport.Tally tally = report.tally(pg, records, outcomes, Set.of(), Duration.ofSeconds(120));
            report.put("ids_in_processing_lists_at_kill", inProcessing)
                    .put("sync_after_seconds", Chaos.seconds(switched - killed))
                    .put("recover_seconds", Chaos.seconds(back - started))
                    .put("requests", outcomes.size())
                    .put("errors", ChaosReport.errors(outcomes));
            report.write();

            tally.assertNoneLostOrRunTwice(report);
            assertThat(ChaosReport.errors(outcomes)).as("errors answered: %s", report).isEmpty();
            assertThat(tally.executions()).as("the worker process ran jobs too")
                    .anySatisfy(e -> assertThat(e.pid()).isEqualTo(worker.pid()));
        }
    }

    /** Ids waiting in every processing list. */
    static long processing(TestRedis redis) {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            long n = 0;
            for (String list : jedis.keys("levqor:processing:*")) {
                n += jedis.llen(list);
            }
            return n;
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
