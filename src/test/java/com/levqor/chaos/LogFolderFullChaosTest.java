package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Chaos scenario 6: the log folder full (a 2 MiB tmpfs mounted on it, filled up). Requests and jobs
 * go on; {@code /ops/uptime} reports {@code "services":{…,"logs":"failing"}} and the gauge
 * {@code logs_writable} is 0 on {@code /metrics}; once space is freed the folder reads {@code "ok"},
 * the gauge 1, and a dead job is written to {@code errors.jsonl} again. Needs root (mount); as root
 * the permission bits would not stop a write, a full file system does.
 */
@Tag("chaos-only")
class LogFolderFullChaosTest {
    private static final Pattern WRITABLE = Pattern.compile("(?m)^(levqor_)?logs_writable(\\{[^}]*})? 1(\\.0)?$");
    private static final Pattern NOT_WRITABLE = Pattern.compile("(?m)^(levqor_)?logs_writable(\\{[^}]*})? 0(\\.0)?$");

    @Test
    void fullLogFolderShowsInUptimeAndMetricsWhileRequestsAndJobsGoOnAndLoggingResumes() throws Exception {
        ChaosReport report = new ChaosReport("6-log-folder-full");
        Path logs = LevqorProcess.folder("logs-full").resolve("logs");
        Files.createDirectories(logs);
        run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", logs.toString());
        try (ChaosPostgres pg = ChaosPostgres.start(60);
             TestRedis redis = TestRedis.start();
             LevqorProcess serve = LevqorProcess.serve("logs-full", pg.jdbcUrl(), redis.url(), Map.of(
                     "WORKER_CONCURRENCY", "4", "SWEEPER_INTERVAL_MS", "200", "REDISPATCH_AFTER_MS", "2000"))) {
            ChaosHttp http = serve.http();
            String key = http.createAccount("logs-full@example.com");
            Path records = serve.dir().resolve("records");
            Await.until("logs ok", Duration.ofSeconds(30), () -> "ok".equals(logsState(http)));
            assertThat(http.get("/metrics").body()).containsPattern(WRITABLE);
            Load load = new Load(() -> http, key, records, 2, 50, 50, Chaos.pick(600, 3_000), Chaos.pick(60, 150));
            Await.until("load acknowledged", Duration.ofSeconds(60), () -> load.acknowledged() >= 20);

            Path filler = logs.resolve("filler");
            fill(filler);
            long full = System.nanoTime();
            String deadWhileFull = deadJob(http, key);
            Await.until("/ops/uptime logs failing", Duration.ofSeconds(60), () -> "failing".equals(logsState(http)));
            long seen = System.nanoTime();
            assertThat(http.get("/metrics").body()).containsPattern(NOT_WRITABLE);
            Chaos.sleep(Chaos.pick(5_000, 20_000));

            Files.delete(filler);
            long freed = System.nanoTime();
            Await.until("/ops/uptime logs ok again", Duration.ofSeconds(60), () -> "ok".equals(logsState(http)));
            long ok = System.nanoTime();
            assertThat(http.get("/metrics").body()).containsPattern(WRITABLE);
            String deadAfter = deadJob(http, key);
            Await.until("errors.jsonl names the job that died after the folder cleared", Duration.ofSeconds(60),
                    () -> read(logs.resolve("errors.jsonl")).contains(deadAfter));
            Chaos.sleep(2_000);
            List<Load.Outcome> outcomes = load.stop();

            ChaosReport.Tally tally = report.tally(pg, records, outcomes, Set.of(), Duration.ofSeconds(120));
            List<Load.Outcome> whileFull = outcomes.stream()
                    .filter(o -> o.startedNanos() > full && o.startedNanos() < freed).toList();
            report.put("failing_shown_after_seconds", Chaos.seconds(seen - full))
                    .put("recover_seconds", Chaos.seconds(ok - freed))
                    .put("requests", outcomes.size())
                    .put("acknowledged_while_full", whileFull.stream().filter(o -> o.status() == 202).count())
                    .put("errors", ChaosReport.errors(outcomes));
            report.write();

            tally.assertNoneLostOrRunTwice(report);
            assertThat(whileFull).as("intake while the log folder was full").isNotEmpty()
                    .allSatisfy(o -> assertThat(o.status()).isEqualTo(202));
            assertThat(ChaosReport.errors(outcomes)).as("errors answered").isEmpty();
            assertThat(tally.states()).containsKey(tally.acknowledged().get(0));
            assertThat(deadWhileFull).isNotBlank();
        } finally {
            run("umount", "-l", logs.toString());
        }
    }

    /** A job of the built-in {@code fail} workflow with one attempt: it goes dead, and a dead job is logged. */
    private static String deadJob(ChaosHttp http, String key) {
        ChaosHttp.Answer a = http.post("/api/v1/intake", "{\"workflow\":\"fail\",\"payload\":{},\"max_attempts\":1}",
                "Authorization", "Bearer " + key);
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        return a.json().path("job_id").asText();
    }

    private static String logsState(ChaosHttp http) {
        return http.get("/ops/uptime").json().path("services").path("logs").asText("");
    }

    /** Writes until the file system is full. */
    private static void fill(Path filler) {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 1_000; i++) {
                out.write(block);
            }
            throw new AssertionError("the 2 MiB tmpfs took 64 MiB: not mounted?");
        } catch (IOException full) {
            // No space left on device: what the scenario wants
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + out.trim() + "): scenario 6 mounts a"
                    + " 2 MiB tmpfs on the log folder and needs root (CAP_SYS_ADMIN); run make chaos as root");
        }
    }
}
