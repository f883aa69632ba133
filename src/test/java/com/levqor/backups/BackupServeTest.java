package com.levqor.backups;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.testing.Await;
import com.levqor.testing.CliRun;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Backups inside {@code serve}: the backup missed before the first start runs at once, the uptime
 * probe, the gauges and {@code GET /ops/backups} show it, and a failing backup is loud.
 */
class BackupServeTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    static Path folder(String name) throws Exception {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), name);
    }

    /**
     * A daily schedule whose occurrences lie half a day from now: a first start then always finds its
     * last occurrence missed (a catch-up), never within the hour it still runs on time. The defaults
     * (03:00 backup, Sunday 04:00 drill) would turn the catch-up into a scheduled run when the tests
     * start between 03:00 and 04:00 UTC.
     */
    static void scheduleAwayFromNow(Map<String, String> env) {
        int hour = (java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).getHour() + 12) % 24;
        env.put("BACKUP_CRON", "0 " + hour + " * * *");
        env.put("RESTORE_DRILL_CRON", "30 " + hour + " * * 0");
    }

    static double gauge(TestServer server, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(server.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void theFirstStartBacksUpAtOnceAndTheProbeMetricsAndListShowIt() throws Exception {
        Path dir = folder("serve-backups-");
        Map<String, String> env = new HashMap<>();
        env.put("BACKUPS_ENABLED", "true");
        scheduleAwayFromNow(env);
        env.put("BACKUP_DIR", dir.toString());
        env.put("BACKUP_CHECK_INTERVAL_MS", "200");
        env.put("PATH", System.getenv("PATH"));
        try (TestServer server = TestServer.start(env)) {
            // The schedule's first round (a second after the start) finds no backup and makes one.
            Await.until("the catch-up backup", WAIT, () -> new BackupFolder(dir).newestComplete().isPresent());
            JsonNode up = Await.value("backups ok in /ops/uptime", WAIT, () -> server.get("/ops/uptime").json(),
                    j -> "ok".equals(j.path("services").path("backups").asText()));
            assertThat(up.get("status").asText()).isEqualTo("operational");

            Response list = server.get("/ops/backups", TestServer.admin());
            assertThat(list.status()).isEqualTo(200);
            JsonNode run = list.json().get("backups").get(0);
            assertThat(run.get("kind").asText()).isEqualTo("backup");
            assertThat(run.get("triggered_by").asText()).isEqualTo("catch_up");
            assertThat(run.get("outcome").asText()).isEqualTo("ok");
            assertThat(run.get("file").asText()).matches("backup_\\d{8}T\\d{6}Z\\.sql");
            assertThat(run.get("size_bytes").asLong()).isPositive();
            assertThat(run.get("counts").get("public.accounts").asLong()).isZero();
            assertThat(run.get("started_at").asText()).endsWith("Z");
            assertThat(list.json().get("stale").asBoolean()).isFalse();
            String cron = env.get("BACKUP_CRON");
            assertThat(list.json().get("backup_cron").asText()).isEqualTo(cron);
            assertThat(list.json().get("next_backup_at").asText())
                    .endsWith(String.format("T%02d:00:00Z", Integer.parseInt(cron.split(" ")[1])));
            assertThat(server.get("/ops/backups?kind=drill", TestServer.admin()).json().get("count").asInt()).isZero();
            assertThat(server.get("/ops/backups").status()).isEqualTo(401);
            Response bad = server.get("/ops/backups?kind=bogus", TestServer.admin());
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("details").get("kind").asText()).isEqualTo("must be backup or drill");

            assertThat(gauge(server, "levqor_backup_last_success_timestamp_seconds")).isGreaterThan(1.7e9);
            assertThat(gauge(server, "levqor_backup_size_bytes")).isEqualTo(run.get("size_bytes").asDouble());
            assertThat(gauge(server, "levqor_backup_duration_seconds")).isPositive();
            assertThat(gauge(server, "levqor_restore_parity_ratio")).isNaN();
            assertThat(server.get("/metrics").body()).contains("error_rate_total{type=\"backup\"} 0.0");

            // A drill from the command line: every instance's gauges show it at their next round.
            Map<String, String> cli = new HashMap<>(env);
            cli.put("DATABASE_URL", server.jdbcUrl());
            cli.put("LOG_DIR", dir.resolve("cli-logs").toString());
            CliRun verify = CliRun.run(cli, "restore-verify");
            assertThat(verify.status()).as(verify.out() + verify.err()).isZero();
            Await.until("parity gauge at 1", WAIT, () -> gauge(server, "levqor_restore_parity_ratio") == 1.0);
            assertThat(gauge(server, "levqor_restore_rto_seconds")).isPositive();
            JsonNode drill = server.get("/ops/backups?kind=drill", TestServer.admin()).json().get("backups").get(0);
            assertThat(drill.get("parity").asDouble()).isEqualTo(1.0);
            assertThat(drill.get("triggered_by").asText()).isEqualTo("cli");
        }
    }

    @Test
    void aFailingBackupIsLoggedCountedListedAndMakesBackupsStale() throws Exception {
        Path dir = folder("serve-failing-");
        Path emptyBin = folder("no-pg-bin-");
        Map<String, String> env = new HashMap<>();
        env.put("BACKUPS_ENABLED", "true");
        scheduleAwayFromNow(env);
        env.put("BACKUP_DIR", dir.toString());
        env.put("BACKUP_CHECK_INTERVAL_MS", "200");
        env.put("PG_BIN_DIR", emptyBin.toString());
        try (TestServer server = TestServer.start(env)) {
            Await.until("error_rate_total{type=backup} at 1", WAIT,
                    () -> server.get("/metrics").body().contains("error_rate_total{type=\"backup\"} 1.0"));
            // This run's line (the log folder may hold lines of earlier test runs): it names this PG_BIN_DIR.
            String line = Await.value("the backup error in errors.jsonl", WAIT,
                    () -> server.logText("errors.jsonl").lines().filter(l -> l.contains("\"type\":\"backup\"")
                            && l.contains(emptyBin.getFileName().toString())).findFirst().orElse(null), l -> l != null);
            JsonNode error = new ObjectMapper().readTree(line);
            assertThat(error.get("message").asText()).startsWith("Backup failed (catch_up of ")
                    .contains("pg_dump was not found in PG_BIN_DIR").contains("postgresql-client-15");
            assertThat(error.get("kind").asText()).isEqualTo("backup");
            assertThat(server.logText("app.log")).contains("ERROR").contains("Backup failed (catch_up");

            Response up = server.get("/ops/uptime");
            assertThat(up.status()).isEqualTo(200);
            assertThat(up.json().get("services").get("backups").asText()).isEqualTo("stale");
            assertThat(up.json().get("status").asText()).isEqualTo("degraded");

            JsonNode runs = server.get("/ops/backups", TestServer.admin()).json();
            assertThat(runs.get("stale").asBoolean()).isTrue();
            assertThat(runs.get("backups").get(0).get("outcome").asText()).isEqualTo("failed");
            assertThat(runs.get("backups").get(0).get("error").asText()).contains("postgresql-client-15");
            // The occurrence is recorded: it is not retried every round (one alert, not one per 200 ms).
            Thread.sleep(1_000);
            assertThat(server.get("/ops/backups", TestServer.admin()).json().get("count").asInt()).isEqualTo(1);
        }
    }
}
