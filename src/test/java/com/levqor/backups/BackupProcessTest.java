package com.levqor.backups;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.Main;
import com.levqor.backups.BackupRuns.Run;
import com.levqor.db.EmbeddedPostgresServer;
import com.levqor.testing.Await;
import com.levqor.testing.CliRun;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * Backups with {@code serve} as real processes: two instances on one database each run every
 * occurrence of an every-minute schedule once (with a clock ten times faster than real, shared by
 * both), and the command line attaches to a running serve's embedded Postgres.
 */
class BackupProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process start(String mainClass, List<String> args, Map<String, String> env, Path out) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL") || k.startsWith("BACKUP"));
        pb.environment().putAll(env);
        File log = out.toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        return pb.start();
    }

    private void waitForUptime(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(p.isAlive()).as("serve exited: " + Files.readString(log)).isTrue();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/ops/uptime")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("serve did not answer within " + WAIT + ": " + Files.readString(log));
    }

    private static void stop(Process p) throws Exception {
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped within a minute").isTrue();
    }

    @Test
    void twoServeProcessesOnOneDatabaseRunEachOccurrenceOfAnEveryMinuteScheduleOnce() throws Exception {
        String url = TestPostgres.newDatabase();
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp").toAbsolutePath()), "two-");
        // Ten fake minutes a real minute, starting 3 fake seconds before a whole minute, the same for both.
        long realOrigin = System.currentTimeMillis();
        long fakeOrigin = Instant.parse("2030-01-10T02:59:57Z").toEpochMilli();
        List<String> clock = List.of(Long.toString(realOrigin), Long.toString(fakeOrigin), "10");
        List<Process> processes = new ArrayList<>();
        try {
            for (String name : List.of("a", "b")) {
                int port = freePort();
                Map<String, String> env = new HashMap<>();
                env.put("PORT", Integer.toString(port));
                env.put("HOST", "127.0.0.1");
                env.put("DATABASE_URL", url);
                env.put("LOG_DIR", dir.resolve("logs-" + name).toString());
                env.put("BACKUP_DIR", dir.resolve("backups").toString());
                env.put("BACKUP_CRON", "* * * * *");
                env.put("RESTORE_DRILL_CRON", "* * * * *");
                env.put("BACKUP_CHECK_INTERVAL_MS", "100");
                env.put("WORKER_CONCURRENCY", "1");
                env.put("SHUTDOWN_DRAIN_MS", "0");
                Path log = dir.resolve(name + ".out");
                Process p = start(FastClockServe.class.getName(), clock, env, log);
                processes.add(p);
                waitForUptime(port, p, log);
            }
            BackupRuns runs = new BackupRuns(DSL.using(TestPostgres.dataSource(url), SQLDialect.POSTGRES));
            Await.until("four backup occurrences and three drills", WAIT, () -> {
                List<Run> all = runs.list(Optional.empty(), 1_000);
                return all.stream().filter(r -> r.kind().equals("backup") && r.outcome().equals("ok")).count() >= 4
                        && all.stream().filter(r -> r.kind().equals("drill") && r.outcome().equals("ok")).count() >= 3;
            });
        } finally {
            for (Process p : processes) {
                stop(p);
            }
        }
        BackupRuns runs = new BackupRuns(DSL.using(TestPostgres.dataSource(url), SQLDialect.POSTGRES));
        List<Run> all = runs.list(Optional.empty(), 1_000);
        Set<String> occurrences = new HashSet<>();
        Set<String> instances = new HashSet<>();
        for (Run r : all) {
            assertThat(r.scheduledFor()).as("scheduled runs only").isNotNull();
            assertThat(r.scheduledFor().truncatedTo(ChronoUnit.MINUTES)).isEqualTo(r.scheduledFor());
            assertThat(occurrences.add(r.kind() + " " + r.scheduledFor())).as("run once: " + r).isTrue();
            instances.add(r.instance().substring(r.instance().lastIndexOf(':') + 1));
            if (!r.outcome().equals("ok")) {
                // only a run cut short by the stop at the end of the test
                assertThat(r.error()).as(r.toString()).startsWith("interrupted");
            }
        }
        assertThat(instances).isSubsetOf(processes.stream().map(p -> Long.toString(p.pid())).toList());
        long okBackups = all.stream().filter(r -> r.kind().equals("backup") && r.outcome().equals("ok")).count();
        assertThat(new BackupFolder(dir.resolve("backups")).backups())
                .as("one file per backup: no occurrence was dumped twice").hasSize((int) okBackups);
        for (String name : List.of("a", "b")) {
            assertThat(Files.readString(dir.resolve(name + ".out"))).doesNotContain("Exception");
        }
    }

    @Test
    void theCommandLineBacksUpThroughARunningServesEmbeddedPostgresAndTheRunbookRestoresIt() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp").toAbsolutePath()), "attach-");
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("PORT", Integer.toString(port));
        env.put("HOST", "127.0.0.1");
        env.put("LEVQOR_DATA_DIR", dir.resolve("data").toString());
        env.put("LOG_DIR", dir.resolve("logs").toString());
        env.put("ADMIN_KEY", TestServer.ADMIN_KEY);
        env.put("BACKUP_DIR", dir.resolve("backups").toString());
        env.put("BACKUP_CHECK_INTERVAL_MS", "200");
        BackupServeTest.scheduleAwayFromNow(env);
        Map<String, String> cli = new HashMap<>(env);
        cli.remove("PORT");
        cli.put("PATH", System.getenv("PATH"));
        Path log = dir.resolve("serve.out");
        Process serve = start(Main.class.getName(), List.of("serve"), env, log);
        Path file;
        try {
            waitForUptime(port, serve, log);
            // The first start of an installation backs up at once (the day's backup was missed).
            Await.until("the backup at start", WAIT, () -> new BackupFolder(dir.resolve("backups")).newestComplete().isPresent());

            assertThat(CliRun.run(cli, "accounts", "create", "--email", "kept@example.com").status()).isZero();
            CliRun backup = CliRun.run(cli, "backup");
            assertThat(backup.status()).as(backup.out() + backup.err()).isZero();
            file = BackupRestoreTest.backupFile(backup);
            assertThat(CliRun.run(cli, "accounts", "create", "--email", "after@example.com").status()).isZero();
            CliRun verify = CliRun.run(cli, "restore-verify");
            assertThat(verify.status()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).startsWith("PARITY:100%\nRTO: ");
            CliRun list = CliRun.run(cli, "backup", "list");
            assertThat(list.status()).isZero();
            assertThat(list.out()).contains("catch_up").contains("cli").contains("drill").contains("(ok)");
            assertThat(dir.resolve("data/postmaster.pid")).as("still the serve's Postgres").exists();
        } finally {
            stop(serve);
        }
        assertThat(Files.readString(log)).doesNotContain("Exception");

        // The runbook's actual restore on the embedded default: serve stopped, the database brought up
        // by a serve that nothing reaches (no workers, no backups, loopback, a known Postgres port),
        // the runbook's psql line, then serve again.
        int pgPort = freePort();
        Map<String, String> maintenance = new HashMap<>(env);
        maintenance.put("PORT", Integer.toString(freePort()));
        maintenance.put("WORKER_CONCURRENCY", "0");
        maintenance.put("BACKUPS_ENABLED", "false");
        maintenance.put("EMBEDDED_PG_PORT", Integer.toString(pgPort));
        Path maintenanceLog = dir.resolve("maintenance.out");
        Process db = start(Main.class.getName(), List.of("serve"), maintenance, maintenanceLog);
        try {
            waitForUptime(Integer.parseInt(maintenance.get("PORT")), db, maintenanceLog);
            // The embedded Postgres requires its password, kept in the data folder.
            String password = Files.readString(dir.resolve("data").resolve(EmbeddedPostgresServer.PASSWORD_FILE)).trim();
            BackupRestoreTest.runbookRestore("127.0.0.1", pgPort, "postgres", password, file);
        } finally {
            stop(db);
        }
        serve = start(Main.class.getName(), List.of("serve"), env, dir.resolve("serve-again.out"));
        try {
            waitForUptime(port, serve, dir.resolve("serve-again.out"));
            CliRun accounts = CliRun.run(cli, "accounts", "list");
            assertThat(accounts.out()).contains("kept@example.com").doesNotContain("after@example.com");
        } finally {
            stop(serve);
        }
    }
}
