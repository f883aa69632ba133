package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Chaos scenario 7: Postgres connection exhaustion. Another client takes every connection a small
 * server ({@code max_connections} 30) allows but two, and the server's pooled connections are ended, so
 * its pool has two at most. Requests answer quickly (202, or 503 {@code database_unavailable}) instead
 * of hanging; when the other client lets go, the server recovers by itself; nothing acknowledged is
 * lost or run twice.
 */
@Tag("chaos-only")
class ConnectionExhaustionChaosTest {
    private static final int MAX_CONNECTIONS = 30;
    private static final long HOLD_MILLIS = 10_000;
    private static final long CONNECT_TIMEOUT_MS = 5_000;
    /** What an answer may take beyond the wait for a connection on a loaded 2-core machine. */
    private static final long ALLOWANCE_MILLIS = 3_000;

    @Test
    void exhaustedConnectionsAnswerQuicklyAndRecoverWhenReleased() throws Exception {
        ChaosReport report = new ChaosReport("7-connection-exhaustion");
        List<Connection> hog = new ArrayList<>();
        try (ChaosPostgres pg = ChaosPostgres.start(MAX_CONNECTIONS);
             TestRedis redis = TestRedis.start();
             LevqorProcess serve = LevqorProcess.serve("exhaustion", pg.jdbcUrl(), redis.url(), Map.of(
                     "WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200", "REDISPATCH_AFTER_MS", "2000",
                     "DB_POOL_SIZE", "8", "DB_CONNECT_TIMEOUT_MS", Long.toString(CONNECT_TIMEOUT_MS)))) {
            ChaosHttp http = serve.http();
            String key = http.createAccount("exhaustion@example.com");
            Path records = serve.dir().resolve("records");
            Load load = new Load(() -> http, key, records, 4, 50, 100, Chaos.pick(4_000, 10_000), Chaos.pick(90, 180));
            Await.until("load acknowledged", Duration.ofSeconds(60), () -> load.acknowledged() >= 30);

            Connection first = pg.connect();
            hog.add(first);
            Set<Integer> hogPids = grabAll(pg, hog);
            try (Statement s = first.createStatement()) {
                s.execute("select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'client backend'"
                        + " and pid not in (" + hogPids.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")");
            }
            hogPids.addAll(grabAll(pg, hog));
            for (int i = 0; i < 2; i++) {
                hog.remove(hog.size() - 1).close();
            }
            long exhausted = System.nanoTime();
            int held = hog.size();
            List<Integer> uptime = new ArrayList<>();
            while (System.nanoTime() - exhausted < HOLD_MILLIS * 1_000_000) {
                uptime.add(http.get("/ops/uptime").status());
                Chaos.sleep(250);
            }
            int serverConnections = others(first, hogPids);
            for (Connection c : hog) {
                c.close();
            }
            hog.clear();
            long released = System.nanoTime();
            long recovered = load.awaitAcknowledgedAfter("a 202 after release", released, Duration.ofSeconds(60));
            Chaos.sleep(Chaos.pick(2_000, 10_000));
            List<Load.Outcome> outcomes = load.stop();

            ChaosReport.Tally tally = report.tally(pg, records, outcomes, Set.of(), Duration.ofSeconds(120));
            List<Load.Outcome> during = outcomes.stream()
                    .filter(o -> o.startedNanos() > exhausted && o.startedNanos() < released).toList();
            long slowest = during.stream().mapToLong(Load.Outcome::millis).max().orElse(0);
            report.put("connections_held_by_other_client", held)
                    .put("server_connections_during", serverConnections)
                    .put("recover_seconds", Chaos.seconds(recovered - released))
                    .put("requests", outcomes.size())
                    .put("requests_during", during.size())
                    .put("slowest_request_during_ms", slowest)
                    .put("errors_during", ChaosReport.errors(during))
                    .put("uptime_during", uptime.stream().distinct().sorted().toList())
                    .put("errors", ChaosReport.errors(outcomes));
            report.write();

            tally.assertNoneLostOrRunTwice(report);
            assertThat(during).as("intake while connections were exhausted").isNotEmpty().allSatisfy(o -> {
                if (o.status() != 202) {
                    assertThat(o.status() + " " + o.error()).isEqualTo("503 database_unavailable");
                }
            });
            assertThat(slowest).as("slowest answer while exhausted, ms").isLessThan(CONNECT_TIMEOUT_MS + ALLOWANCE_MILLIS);
            assertThat(uptime).as("/ops/uptime answered").allSatisfy(s -> assertThat(s).isIn(200, 503));
        } finally {
            for (Connection c : hog) {
                c.close();
            }
        }
    }

    /** Opens connections until Postgres refuses one; their backend pids. */
    private static Set<Integer> grabAll(ChaosPostgres pg, List<Connection> hog) throws SQLException {
        Set<Integer> pids = new java.util.HashSet<>();
        for (Connection c : hog) {
            pids.add(pid(c));
        }
        while (true) {
            try {
                Connection c = pg.connect();
                hog.add(c);
                pids.add(pid(c));
            } catch (SQLException refused) {
                if ("53300".equals(refused.getSQLState())) {
                    return pids; // too many connections
                }
                throw refused;
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Client backends that are not the other client's: the server's connections. */
    private static int others(Connection c, Set<Integer> hogPids) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "select pid from pg_stat_activity where backend_type = 'client backend'")) {
            int n = 0;
            while (rs.next()) {
                if (!hogPids.contains(rs.getInt(1))) {
                    n++;
                }
            }
            return n;
        }
    }
}
