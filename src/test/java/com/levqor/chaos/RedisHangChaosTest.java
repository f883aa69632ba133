package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Chaos scenario 4: Redis hung, not dead ({@code kill -STOP} for 15 s, then {@code kill -CONT}) under a
 * steady load. The queue switches to sync mode within 2 s (as {@code /ops/queue_health} reports it),
 * no intake request waits on Redis longer than {@code REDIS_TIMEOUT_MS} (plus a generous allowance for
 * the rest of the request on a busy machine), rate limits go on from local buckets (every answer still
 * carries its rate-limit headers), the mode fails back to async after SIGCONT, and no job is lost or
 * run twice.
 */
class RedisHangChaosTest {
    private static final long HANG_MILLIS = 15_000;
    private static final long REDIS_TIMEOUT_MS = 500;
    /** The bound for the switch to sync mode. */
    private static final long SWITCH_BOUND_MILLIS = 2_000;
    /** What a request may take beyond the Redis timeout: its own work on a loaded 2-core machine. */
    private static final long REQUEST_ALLOWANCE_MILLIS = 3_000;

    @Test
    void hungRedisSwitchesToSyncQuicklyAndBackLosingAndRepeatingNothing() {
        ChaosReport report = new ChaosReport("4-redis-sigstop");
        try (ChaosPostgres pg = ChaosPostgres.start(60);
             TestRedis redis = TestRedis.start();
             LevqorProcess serve = LevqorProcess.serve("redis-hang", pg.jdbcUrl(), redis.url(), Map.of(
                     "WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200", "REDISPATCH_AFTER_MS", "2000",
                     "JOB_LEASE_SECONDS", "5", "REDIS_TIMEOUT_MS", Long.toString(REDIS_TIMEOUT_MS),
                     "REDIS_CHECK_INTERVAL_MS", "250"))) {
            ChaosHttp http = serve.http();
            String key = http.createAccount("redis-hang@example.com");
            Await.until("async mode", Duration.ofSeconds(30), () -> mode(http).equals("async"));
            Path records = serve.dir().resolve("records");
            Load load = new Load(() -> http, key, records, 3, 50, 40, Chaos.pick(1_500, 12_000), Chaos.pick(60, 180));
            Await.until("load acknowledged", Duration.ofSeconds(60), () -> load.acknowledged() >= Chaos.pick(30, 300));

            Chaos.signal(redis.pid(), "STOP");
            long stopped = System.nanoTime();
            long switched;
            long continued;
            try {
                Await.until("sync mode after SIGSTOP", Duration.ofSeconds(30), () -> mode(http).equals("sync"));
                switched = System.nanoTime(); // when the answer saying "sync" arrived: an upper bound
                Chaos.sleep(Math.max(0, HANG_MILLIS - (switched - stopped) / 1_000_000));
            } finally {
                Chaos.signal(redis.pid(), "CONT");
            }
            continued = System.nanoTime();
            Await.until("async mode after SIGCONT", Duration.ofSeconds(60), () -> mode(http).equals("async"));
            long failedBack = System.nanoTime();
            Chaos.sleep(Chaos.pick(2_000, 20_000));
            List<Load.Outcome> outcomes = load.stop();

            ChaosReport.Tally tally = report.tally(pg, records, outcomes, Set.of(), Duration.ofSeconds(120));
            List<Load.Outcome> duringHang = outcomes.stream()
                    .filter(o -> o.startedNanos() > stopped && o.startedNanos() < continued).toList();
            long slowest = duringHang.stream().mapToLong(Load.Outcome::millis).max().orElse(0);
            report.put("hang_seconds", Chaos.seconds(continued - stopped))
                    .put("sync_after_seconds", Chaos.seconds(switched - stopped))
                    .put("recover_seconds", Chaos.seconds(failedBack - continued))
                    .put("requests", outcomes.size())
                    .put("requests_during_hang", duringHang.size())
                    .put("slowest_request_during_hang_ms", slowest)
                    .put("redis_timeout_ms", REDIS_TIMEOUT_MS)
                    .put("errors", ChaosReport.errors(outcomes));
            report.write();

            tally.assertNoneLostOrRunTwice(report);
            assertThat((switched - stopped) / 1_000_000).as("ms from SIGSTOP to sync mode reported")
                    .isLessThanOrEqualTo(SWITCH_BOUND_MILLIS);
            assertThat(duringHang).as("intake during the hang").isNotEmpty().allSatisfy(o -> {
                assertThat(o.status()).as("status during the hang").isEqualTo(202);
                assertThat(o.rateLimitHeaders()).as("rate limited from local buckets").isTrue();
            });
            assertThat(slowest).as("slowest intake during the hang, ms")
                    .isLessThan(REDIS_TIMEOUT_MS + REQUEST_ALLOWANCE_MILLIS);
            assertThat(ChaosReport.errors(outcomes)).as("errors answered").isEmpty();
        }
    }

    static String mode(ChaosHttp http) {
        return http.get("/ops/queue_health").json().path("mode").asText("");
    }
}
