package com.levqor.backups;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import com.levqor.testing.CliRun;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code levqor backup} and {@code levqor restore-verify} against a real database that a real server
 * writes to: parity under load, damaged backups caught, and the runbook's actual restore line.
 */
class BackupRestoreTest {
    static TestServer server;
    static String key;
    static DataSource db;
    static Path dir;
    static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("WORKER_CONCURRENCY", "4"));
        key = server.createAccount("backups@example.com", "pro").get("api_key").asText();
        db = TestPostgres.dataSource(server.jdbcUrl());
        // Enough rows that pg_dump takes a while, so that intake runs during it.
        exec("insert into jobs (id, account_id, workflow, payload, state, priority, max_attempts, timeout_seconds, run_at, "
                + "cost, created_at, updated_at, started_at, finished_at, result, attempt) "
                + "select gen_random_uuid(), (select id from accounts limit 1), 'echo', "
                + "jsonb_build_object('n', g, 'text', md5(g::text), 'nested', jsonb_build_object('b', 2, 'a', 1.50)), "
                + "'succeeded', 1, 3, 60, now(), 1, now(), now(), now(), now(), jsonb_build_object('n', g), 1 "
                + "from generate_series(1, 40000) g");
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "backups-");
        env = cliEnv(server.jdbcUrl(), dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Map<String, String> cliEnv(String jdbcUrl, Path backupDir) {
        Map<String, String> e = new HashMap<>();
        e.put("DATABASE_URL", jdbcUrl);
        e.put("BACKUP_DIR", backupDir.toString());
        e.put("LOG_DIR", backupDir.resolve("logs").toString());
        e.put("PATH", System.getenv("PATH"));
        return e;
    }

    static void exec(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static long scratchDatabases() throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select count(*) from pg_database where datname like 'levqor_restore_verify_%'")) {
            r.next();
            return r.getLong(1);
        }
    }

    static Path backupFile(CliRun run) {
        Matcher m = Pattern.compile("backup: +(\\S+\\.sql)").matcher(run.out());
        assertThat(m.find()).as(run.out() + run.err()).isTrue();
        return Path.of(m.group(1));
    }

    @Test
    void parityIs100PercentWhileJobsAreSubmittedAndCompletedThroughoutTheBackup() throws Exception {
        String before = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{\"before\":true}}", bearer(key))
                .json().get("job_id").asText();
        AtomicBoolean stop = new AtomicBoolean();
        List<Instant> accepted = new CopyOnWriteArrayList<>();
        Thread writer = new Thread(() -> {
            while (!stop.get()) {
                Response r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{\"during\":true}}",
                        bearer(key));
                if (r.status() == 202) {
                    accepted.add(Instant.now());
                }
            }
        });
        writer.start();
        CliRun backup;
        Instant started;
        Instant finished;
        try {
            while (accepted.size() < 20) {
                Thread.sleep(10);
            }
            started = Instant.now();
            backup = CliRun.run(env, "backup");
            finished = Instant.now();
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(backup.status()).as(backup.out() + backup.err()).isZero();
        assertThat(accepted.stream().filter(t -> t.isAfter(started) && t.isBefore(finished)).count())
                .as("jobs accepted while the backup ran").isGreaterThan(0);
        Path file = backupFile(backup);
        assertThat(file.getFileName().toString()).matches("backup_\\d{8}T\\d{6}Z\\.sql");
        assertThat(backup.out()).contains("manifest:").contains("size:").contains("public.jobs").contains("took:");
        Manifest manifest = Manifest.read(BackupFolder.manifestOf(file));
        assertThat(manifest.tables().get("public.jobs").rows()).isGreaterThan(40_000);
        try (Connection c = db.getConnection()) {
            assertThat(manifest.schemaVersion()).isNotNull().isEqualTo(TableChecksums.schemaVersion(c));
        }
        assertThat(manifest.sequences()).containsKey("public.backups_id_seq");

        CliRun verify = CliRun.run(env, "restore-verify", file.toString());
        assertThat(verify.status()).as(verify.out() + verify.err()).isZero();
        List<String> lines = verify.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("PARITY:100%");
        assertThat(lines.get(1)).matches("RTO: \\d+\\.\\d minutes");
        assertThat(scratchDatabases()).isZero();

        // The runbook's actual restore line, verbatim, into an empty database: the restored database
        // answers the API's queries (the key, the jobs and their results are all there).
        String restoredName = "restored_" + System.nanoTime();
        exec("create database " + restoredName + " template template0");
        runbookRestore(restoredName, file);
        String restoredUrl = server.jdbcUrl().replaceFirst("/t_\\d+", "/" + restoredName);
        try (Connection c = TestPostgres.dataSource(restoredUrl).getConnection()) {
            TableChecksums.pinSession(c);
            DatabaseContent content = TableChecksums.read(c, true);
            assertThat(ParityCheck.compare(manifest.content(), content, null, null).mismatches()).isEmpty();
        }
        Map<String, String> serveEnv = TestServer.baseEnv(restoredUrl, dir.resolve("restored-logs"));
        try (Levqor restored = Levqor.start(Settings.parse(serveEnv), Clock.systemUTC())) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            var answer = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + restored.port() + "/api/v1/status/" + before))
                    .header("Authorization", "Bearer " + key).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body()).contains(before);
        }
    }

    /** {@code psql -h $PGHOST -p $PGPORT -U $PGUSER -d $PGDATABASE < db/backups/pg/backup_TIMESTAMP.sql}, as written. */
    static void runbookRestore(String database, Path file) throws Exception {
        runbookRestore("localhost", TestPostgres.port(), database, null, file);
    }

    static void runbookRestore(String host, int port, String database, String password, Path file) throws Exception {
        String err = runbookLine(host, port, database, password, file);
        assertThat(err).as("psql's errors").doesNotContain("ERROR");
    }

    /** Runs the line (PGPASSWORD set when {@code password} is not null); returns what psql wrote on stderr. */
    static String runbookLine(String host, int port, String database, String password, Path file) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c",
                "psql -h $PGHOST -p $PGPORT -U $PGUSER -d $PGDATABASE < " + file.toAbsolutePath());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGHOST", host);
        pb.environment().put("PGPORT", Integer.toString(port));
        pb.environment().put("PGUSER", "postgres");
        pb.environment().put("PGDATABASE", database);
        if (password != null) {
            pb.environment().put("PGPASSWORD", password);
        }
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(err).isZero();
        return err;
    }

    @Test
    void theRunbookRestoreLineAlsoWorksOnADatabaseThatIsMigratedAndHoldsOtherRows() throws Exception {
        CliRun backup = CliRun.run(env, "backup");
        assertThat(backup.status()).as(backup.err()).isZero();
        Path file = backupFile(backup);
        Manifest manifest = Manifest.read(BackupFolder.manifestOf(file));

        String other = TestPostgres.newDatabase(); // migrated, as a live database is
        String otherName = other.replaceAll(".*/(t_\\d+).*", "$1");
        try (Connection c = TestPostgres.dataSource(other).getConnection(); Statement s = c.createStatement()) {
            s.execute("insert into accounts (id, email, plan) values (gen_random_uuid(), 'other@example.com', 'free')");
        }
        // A damaged file restores nothing: the dump runs in one transaction, and psql < file goes on
        // after errors, so without it the database would be left half dropped.
        String sql = Files.readString(file);
        Path damaged = damagedCopy(file, "for-runbook", sql.replaceFirst("(?m)^(CREATE TABLE public\\.jobs )", "CREATE TABLE public.jobs jobs "));
        assertThat(runbookLine("localhost", TestPostgres.port(), otherName, null, damaged)).contains("ERROR");
        try (Connection c = TestPostgres.dataSource(other).getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select count(*) from accounts where email = 'other@example.com'")) {
            r.next();
            assertThat(r.getLong(1)).as("nothing changed").isEqualTo(1);
        }
        runbookRestore(otherName, file);
        try (Connection c = TestPostgres.dataSource(other).getConnection()) {
            TableChecksums.pinSession(c);
            ParityCheck check = ParityCheck.compare(manifest.content(), TableChecksums.read(c, true), null, null);
            assertThat(check.mismatches()).isEmpty();
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select count(*) from accounts where email = 'other@example.com'")) {
                r.next();
                assertThat(r.getLong(1)).as("the rows the database held before are gone").isZero();
            }
        }
    }

    @Test
    void damagedBackupsAreCaughtAndNameWhatDiffers() throws Exception {
        CliRun backup = CliRun.run(env, "backup");
        assertThat(backup.status()).as(backup.err()).isZero();
        Path file = backupFile(backup);
        String sql = Files.readString(file);

        // A truncated file: the SHA-256 differs, and what was cut off is missing.
        Path truncated = damagedCopy(file, "truncated", sql.substring(0, sql.length() * 3 / 5));
        CliRun t = CliRun.run(env, "restore-verify", truncated.toString());
        assertThat(t.status()).as(t.out() + t.err()).isEqualTo(1);
        assertThat(t.out().lines().findFirst().orElse("")).matches("PARITY:\\d{1,2}\\.\\d%");
        assertThat(t.out()).contains("FILE sha256: damaged-truncated.sql is not the file its manifest describes");
        assertThat(t.out()).containsPattern("TABLE public\\.\\w+: (missing from the restored database|rows )");
        assertThat(scratchDatabases()).isZero();

        // A row deleted from the dump's data: the jobs table is named with both counts.
        int copy = sql.indexOf("COPY public.jobs ");
        int firstRow = sql.indexOf('\n', copy) + 1;
        int secondRow = sql.indexOf('\n', firstRow) + 1;
        Path rowDeleted = damagedCopy(file, "row", sql.substring(0, firstRow) + sql.substring(secondRow));
        CliRun r = CliRun.run(env, "restore-verify", rowDeleted.toString());
        assertThat(r.status()).isEqualTo(1);
        long jobs = Manifest.read(BackupFolder.manifestOf(file)).tables().get("public.jobs").rows();
        assertThat(r.out()).contains("TABLE public.jobs: rows " + jobs + " in the manifest, " + (jobs - 1)
                + " restored; content checksum differs");
        assertThat(r.out().lines().findFirst().orElse("")).startsWith("PARITY:").isNotEqualTo("PARITY:100%");
        assertThat(scratchDatabases()).isZero();

        // The same deletion with a manifest whose SHA-256 was made to match (damage before hashing): the
        // table comparison alone catches it.
        Path rehashed = rowDeleted.resolveSibling("damaged-rehashed.sql");
        Files.copy(rowDeleted, rehashed, StandardCopyOption.REPLACE_EXISTING);
        Manifest m = Manifest.read(BackupFolder.manifestOf(file));
        byte[] bytes = Files.readAllBytes(rehashed);
        new Manifest(m.format(), rehashed.getFileName().toString(), bytes.length, sha256(bytes), m.startedAt(),
                m.finishedAt(), m.snapshot(), m.database(), m.serverVersion(), m.pgDumpVersion(), m.levqorVersion(),
                m.schemaVersion(), m.tableCount(), m.rowCount(), m.tables(), m.sequences())
                .write(BackupFolder.manifestOf(rehashed));
        CliRun h = CliRun.run(env, "restore-verify", rehashed.toString());
        assertThat(h.status()).isEqualTo(1);
        assertThat(h.out()).doesNotContain("FILE sha256").contains("TABLE public.jobs: rows " + jobs);

        // A sequence changed.
        Matcher setval = Pattern.compile("SELECT pg_catalog.setval\\('public.backups_id_seq', (\\d+), (true|false)\\);")
                .matcher(sql);
        assertThat(setval.find()).isTrue();
        Path sequence = damagedCopy(file, "sequence", sql.substring(0, setval.start()) + "SELECT pg_catalog.setval("
                + "'public.backups_id_seq', " + (Long.parseLong(setval.group(1)) + 1000) + ", true);"
                + sql.substring(setval.end()));
        CliRun s = CliRun.run(env, "restore-verify", sequence.toString());
        assertThat(s.status()).isEqualTo(1);
        assertThat(s.out()).containsPattern("SEQUENCE public\\.backups_id_seq: \\d+.* in the manifest, "
                + (Long.parseLong(setval.group(1)) + 1000) + " restored");
        assertThat(scratchDatabases()).isZero();

        // Every drill is a row: the failed ones with their PARITY and what differed.
        CliRun list = CliRun.run(env, "backup", "list", "--kind", "drill");
        assertThat(list.status()).isZero();
        assertThat(list.out()).contains("failed").contains("damaged-sequence.sql");
    }

    static Path damagedCopy(Path original, String what, String content) throws Exception {
        Path copy = original.resolveSibling("damaged-" + what + ".sql");
        Files.writeString(copy, content);
        Files.copy(BackupFolder.manifestOf(original), BackupFolder.manifestOf(copy), StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void checksumsSurviveDumpAndRestoreForEveryKindOfColumn() throws Exception {
        String url = TestPostgres.newDatabase();
        try (Connection c = TestPostgres.dataSource(url).getConnection(); Statement s = c.createStatement()) {
            s.execute("create type mood as enum ('sad', 'ok', 'happy')");
            s.execute("create type pair as (a int, b text)");
            s.execute("create table zoo (id bigserial primary key, r real, d double precision, n numeric, "
                    + "j jsonb, js json, ts timestamptz, t timestamp, dt date, tm time, ttz timetz, iv interval, "
                    + "b bytea, tx text, arr int[], tarr text[], u uuid, ip inet, net cidr, bits varbit, yes boolean, "
                    + "pt point, m mood, p pair, rg int4range, tsv tsvector, x xml, money money, o oid, big bigint, "
                    + "sm smallint, ch char(5))");
            s.execute("insert into zoo (r, d, n, j, js, ts, t, dt, tm, ttz, iv, b, tx, arr, tarr, u, ip, net, bits, yes, "
                    + "pt, m, p, rg, tsv, x, money, o, big, sm, ch) values "
                    + "(0.1, 0.1, 1.50, '{\"b\": 1, \"a\": [1.0, 2e3, \"ü\"], \"c\": null}', '{ \"spaced\" :  1 }', "
                    + "'2024-02-29 23:59:59.999999+05:30', '1999-12-31 23:59:59.5', '0001-01-01', '24:00', '12:00+14', "
                    + "'1 year 2 mons -3 days 04:05:06.789', '\\x00ff10', E'tab\\there\\nnewline \\\\ back \\u00e9 ☃', "
                    + "'{1,NULL,3}', '{\"a,b\",\"c\\\"d\"}', gen_random_uuid(), '::1', '10.0.0.0/8', B'10101', true, "
                    + "'(1.5,-2.25)', 'happy', row(1, 'x y'), '[1,10)', 'the quick brown fox', '<a b=\"1\">t</a>', 12.34, "
                    + "42, 9223372036854775807, -32768, 'ab')");
            s.execute("insert into zoo (r, d, n) values ('NaN', 'Infinity', 'NaN'), ('-0', '-Infinity', 0.000000001), "
                    + "(3.4028235e38, 1e-300, 123456789012345678901234567890.123456789), (1.17549435e-38, 2.2250738585072014e-308, -1)");
            s.execute("insert into zoo (d) select random() * g from generate_series(1, 2000) g");
        }
        Path zooDir = Files.createTempDirectory(dir, "zoo-");
        Map<String, String> zooEnv = cliEnv(url, zooDir);
        CliRun backup = CliRun.run(zooEnv, "backup");
        assertThat(backup.status()).as(backup.err()).isZero();
        CliRun verify = CliRun.run(zooEnv, "restore-verify");
        assertThat(verify.status()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).startsWith("PARITY:100%\n");
        Manifest m = Manifest.read(BackupFolder.manifestOf(backupFile(backup)));
        assertThat(m.tables().get("public.zoo").rows()).isEqualTo(2005);
        assertThat(m.sequences().get("public.zoo_id_seq").lastValue()).isEqualTo(2005);

        // The text of a row depends on session settings; the checksums pin them, so a session set up
        // otherwise (another time zone, float digits, bytea output, interval style) sums the same, and
        // without the pinning it would not.
        try (Connection c = TestPostgres.dataSource(url).getConnection(); Statement s = c.createStatement()) {
            s.execute("set time zone 'Asia/Kathmandu'; set extra_float_digits = 0; "
                    + "set bytea_output = 'escape'; set intervalstyle = 'iso_8601'");
            assertThat(TableChecksums.read(c, false).tables().get("public.zoo")).isNotEqualTo(m.tables().get("public.zoo"));
            TableChecksums.pinSession(c);
            assertThat(TableChecksums.read(c, false).tables().get("public.zoo")).isEqualTo(m.tables().get("public.zoo"));
        }
    }

    @Test
    void withoutPgDumpBothCommandsExitWith3AndSayWhatToInstall() throws Exception {
        Path empty = Files.createTempDirectory(dir, "empty-bin-");
        Map<String, String> noBin = new HashMap<>(env);
        noBin.put("PG_BIN_DIR", empty.toString());
        for (String command : new String[] {"backup", "restore-verify"}) {
            CliRun r = CliRun.run(noBin, command);
            assertThat(r.status()).as(command).isEqualTo(3);
            assertThat(r.err()).contains("pg_dump was not found in PG_BIN_DIR (" + empty + ")")
                    .contains("postgresql-client-15");
        }
        Map<String, String> cleanPath = new HashMap<>(env);
        cleanPath.put("PATH", empty.toString());
        CliRun r = CliRun.run(cleanPath, "backup");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.err()).contains("pg_dump was not found on PATH").contains("apt-get install postgresql-client-15");

        // A pg_dump older than the server is refused the same way.
        Path old = Files.createTempDirectory(dir, "old-bin-");
        for (String tool : new String[] {"pg_dump", "psql"}) {
            Path script = old.resolve(tool);
            Files.writeString(script, "#!/bin/sh\necho '" + tool + " (PostgreSQL) 11.22'\n");
            script.toFile().setExecutable(true);
        }
        Map<String, String> oldBin = new HashMap<>(env);
        oldBin.put("PG_BIN_DIR", old.toString());
        CliRun o = CliRun.run(oldBin, "backup");
        assertThat(o.status()).isEqualTo(3);
        assertThat(o.err()).contains("is version 11").contains("older than the server's 15").contains("postgresql-client-15");
        assertThat(new BackupFolder(empty).backups()).isEmpty();
    }

    @Test
    void restoreVerifyWithoutABackupSaysSo() throws Exception {
        Map<String, String> e = cliEnv(server.jdbcUrl(), Files.createTempDirectory(dir, "none-"));
        CliRun r = CliRun.run(e, "restore-verify");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("No complete backup in BACKUP_DIR");
    }
}
