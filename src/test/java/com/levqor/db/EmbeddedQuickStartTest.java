package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A restart of an existing data folder launches the binaries of its previous start itself
 * ({@link PostgresProcess}), without zonky's slow path: the same server, as locked down as ever.
 */
class EmbeddedQuickStartTest {

    private static Connection connect(int port, String password) throws SQLException {
        return EmbeddedPasswordTest.connect(port, password);
    }

    private static String query(EmbeddedPostgresServer pg, String sql) throws SQLException {
        try (Connection c = connect(pg.port(), pg.password());
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Path newFolder(String prefix) throws Exception {
        Files.createDirectories(Path.of("target", "tmp"));
        return Files.createTempDirectory(Path.of("target", "tmp"), prefix).resolve("data");
    }

    private static Path record(Path dir) {
        return dir.resolve(PostgresProcess.RECORD_FILE);
    }

    /** postmaster.opts without the port, which a start on port 0 chooses afresh. */
    private static String optsWithoutPort(Path dir, int port) throws Exception {
        return Files.readString(dir.resolve("postmaster.opts")).replace("\"-p\" \"" + port + "\"", "\"-p\" PORT");
    }

    /** Whether the folder's postmaster runs in a user namespace of its own ({@code unshare -U}). */
    private static boolean unshared(Path dir) throws Exception {
        String pid = Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim();
        return !Files.readSymbolicLink(Path.of("/proc", pid, "ns", "user"))
                .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")));
    }

    private static boolean recordedUnshare(Path dir) throws Exception {
        return Files.readAllLines(record(dir)).contains("unshare=true");
    }

    @Test
    void aRestartLaunchesTheBinariesOfThePreviousStartWithTheSameServerAndLock() throws Exception {
        Path dir = newFolder("embedded-quick-");
        String zonkyOpts;
        boolean zonkyUnshared;
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(pg.quickStart()).isFalse(); // a new folder: zonky's initdb
            try (Connection c = connect(pg.port(), pg.password()); Statement s = c.createStatement()) {
                s.execute("create table kept (id int primary key)");
                s.execute("insert into kept select generate_series(1, 100)");
            }
            zonkyOpts = optsWithoutPort(dir, pg.port());
            zonkyUnshared = unshared(dir);
        }
        assertThat(EmbeddedPostgresServer.runningPort(dir)).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record(dir)))).isEqualTo("rw-------");
        assertThat(recordedUnshare(dir)).isEqualTo(zonkyUnshared);

        long started = System.nanoTime();
        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            System.out.println("Second start of an existing folder, in the JVM that made it: " + ms + " ms");
            assertThat(again.quickStart()).isTrue();
            assertThat(again.owned()).isTrue();
            // the password is still required, from every client
            assertThatThrownBy(() -> connect(again.port(), null).close()).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> connect(again.port(), "wrong-password").close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
            // the same settings, given the same way (postmaster.opts is the command line Postgres got)
            assertThat(query(again, "show listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(query(again, "show fsync")).isEqualTo("on");
            assertThat(query(again, "show synchronous_commit")).isEqualTo("on");
            assertThat(query(again, "show full_page_writes")).isEqualTo("on");
            assertThat(query(again, "show max_connections")).isEqualTo("200");
            assertThat(query(again, "show timezone")).endsWith("UTC"); // Etc/UTC
            assertThat(optsWithoutPort(dir, again.port())).isEqualTo(zonkyOpts);
            assertThat(unshared(dir)).isEqualTo(zonkyUnshared);
            assertThat(query(again, "select count(*) from kept")).isEqualTo("100");
            // zonky's lock on the folder is held
            try (java.io.FileOutputStream out = new java.io.FileOutputStream(dir.resolve("epg-lock").toFile(), true)) {
                assertThatThrownBy(() -> out.getChannel().tryLock())
                        .isInstanceOf(java.nio.channels.OverlappingFileLockException.class);
            }
            // another command on the folder attaches to it
            try (EmbeddedPostgresServer attached = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
                assertThat(attached.owned()).isFalse();
                assertThat(attached.port()).isEqualTo(again.port());
                assertThat(attached.password()).isEqualTo(again.password());
            }
            assertThat(EmbeddedPostgresServer.runningPort(dir)).contains(again.port());
        }
        assertThat(EmbeddedPostgresServer.runningPort(dir)).isEmpty();
        assertThat(dir.resolve("postmaster.pid")).doesNotExist();

        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (EmbeddedPostgresServer third = EmbeddedPostgresServer.startOrAttach(dir, port)) {
            assertThat(third.quickStart()).isTrue();
            assertThat(third.port()).isEqualTo(port);
            assertThat(query(third, "select count(*) from kept")).isEqualTo("100");
        }
        assertThat(EmbeddedPostgresServer.runningPort(dir)).isEmpty();
    }

    @Test
    void aRecordThatNoLongerHoldsFallsBackToZonky() throws Exception {
        Path dir = newFolder("embedded-fallback-");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(pg.quickStart()).isFalse();
        }
        String kept = Files.readString(record(dir));
        List<String> changed = List.of(
                kept.replaceAll("(?m)^bindir=.*$", "bindir=" + dir.resolveSibling("no-such-binaries").toAbsolutePath()),
                kept.replaceAll("(?m)^source\\.size=.*$", "source.size=1"),
                kept.replaceAll("(?m)^source=.*$", "source=" + dir.resolveSibling("another.jar").toAbsolutePath()),
                kept.replaceAll("(?m)^zonky\\.modified=.*$", "zonky.modified=0"),
                "not a record\n");
        for (String text : changed) {
            Files.writeString(record(dir), text, StandardCharsets.UTF_8);
            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
                assertThat(pg.quickStart()).as(text).isFalse();
                assertThat(query(pg, "select 1")).isEqualTo("1");
            }
            assertThat(Files.readString(record(dir))).as("rewritten by zonky's start").isEqualTo(kept);
        }
        Files.delete(record(dir));
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(pg.quickStart()).isFalse();
        }
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(pg.quickStart()).isTrue();
        }
    }

    @Test
    void aRestartAfterAnImmediateStopRecoversTheCommittedRows() throws Exception {
        Path dir = newFolder("embedded-recovery-");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(pg.quickStart()).isFalse();
        }
        EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0);
        try {
            assertThat(pg.quickStart()).isTrue();
            try (Connection c = connect(pg.port(), pg.password()); Statement s = c.createStatement()) {
                s.execute("create table kept as select generate_series(1, 1000) as id");
            }
            // SIGQUIT: Postgres's immediate shutdown, no checkpoint (as after a crash)
            long pid = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
            Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        } finally {
            pg.close(); // pg_ctl stop finds no server; the lock is released
        }
        assertThat(EmbeddedPostgresServer.runningPort(dir)).isEmpty();
        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.startOrAttach(dir, 0)) {
            assertThat(again.quickStart()).isTrue();
            assertThat(query(again, "select count(*) from kept")).isEqualTo("1000");
        }
    }

    /** The start of {@code levqor serve}: the first in its JVM (zonky's one-off work not done yet). */
    @Test
    void readinessIsThePidFilesReadyStatusForThePortAsPgCtlReadsIt() throws Exception {
        Path dir = newFolder("embedded-ready-");
        Files.createDirectories(dir);
        assertThat(PostgresProcess.ready(dir, 5433)).as("no postmaster.pid yet").isFalse();
        String head = "4242\n" + dir + "\n1733390000\n5433\n/tmp\n127.0.0.1\n  1234567     32768\n";
        Files.writeString(dir.resolve("postmaster.pid"), head + "starting\n");
        assertThat(PostgresProcess.ready(dir, 5433)).as("still starting").isFalse();
        Files.writeString(dir.resolve("postmaster.pid"), head + "ready   \n");
        assertThat(PostgresProcess.ready(dir, 5433)).isTrue();
        assertThat(PostgresProcess.ready(dir, 5434)).as("another server's port").isFalse();
        Files.writeString(dir.resolve("postmaster.pid"), "4242\n" + dir + "\n");
        assertThat(PostgresProcess.ready(dir, 5433)).as("half written").isFalse();
    }

    @Test
    void aNewProcessRestartsTheFolderWithoutZonky() throws Exception {
        Path dir = newFolder("embedded-newjvm-");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(dir, 0);
             Connection c = connect(pg.port(), pg.password()); Statement s = c.createStatement()) {
            s.execute("create table kept as select 42 as answer");
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), RestartInNewJvm.class.getName(),
                dir.toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String result = out.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow(() ->
                new AssertionError("no result in " + out));
        System.out.println("Start of an existing folder in a new JVM: " + result);
        assertThat(result).contains("quick=true").contains("answer=42");
        assertThat(EmbeddedPostgresServer.runningPort(dir)).isEmpty();
    }

    /** Run in a JVM of its own by the test above. */
    static final class RestartInNewJvm {
        public static void main(String[] args) throws Exception {
            org.slf4j.LoggerFactory.getLogger(RestartInNewJvm.class).info("logging ready"); // as in serve, before
            long started = System.nanoTime();
            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrAttach(Path.of(args[0]), 0)) {
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                System.out.println("RESULT quick=" + pg.quickStart() + " ms=" + ms
                        + " answer=" + query(pg, "select answer from kept"));
            }
        }
    }
}
