package com.levqor.chaos;

import com.levqor.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throw-away Postgres of its own (the embedded binaries zonky unpacks, PostgreSQL 15) that a chaos
 * scenario can stop abruptly with {@code pg_ctl stop -m immediate} and start again on the same data
 * folder and port. Its settings live in {@code postgresql.auto.conf} (ALTER SYSTEM), so a restart with
 * plain {@code pg_ctl start} comes back as it was. {@code synchronous_commit} is on: a committed row
 * must survive the immediate stop, as in production ({@code fsync} stays off: the stop kills processes,
 * not the machine, and the operating system keeps what was written).
 */
public final class ChaosPostgres implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    public static final String DATABASE = "levqor";

    private final Path dataDir;
    private final int port;
    private final Path bin;
    private EmbeddedPostgres first;

    private ChaosPostgres(Path dataDir, int port, Path bin) {
        this.dataDir = dataDir;
        this.port = port;
        this.bin = bin;
    }

    /** Starts a fresh server with at most {@code maxConnections} connections and an empty {@value #DATABASE} database. */
    public static ChaosPostgres start(int maxConnections) {
        try {
            TestPostgres.port(); // unpacks zonky's binaries into java.io.tmpdir (the shared test server)
            Path dir = Path.of("target", "tmp", "chaos-pg-" + ProcessHandle.current().pid() + "-"
                    + COUNTER.incrementAndGet()).toAbsolutePath();
            int port = freePort();
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(true)
                    .setPort(port)
                    .setServerConfig("max_connections", Integer.toString(maxConnections))
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
            ChaosPostgres server = new ChaosPostgres(dir, port, findBin());
            server.first = pg;
            try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
                s.execute("alter system set port = " + port);
                s.execute("alter system set max_connections = " + maxConnections);
                s.execute("alter system set synchronous_commit = on");
                s.execute("alter system set fsync = off");
                s.execute("alter system set listen_addresses = '127.0.0.1'");
                s.execute("alter system set unix_socket_directories = ''");
                s.execute("create database " + DATABASE);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("chaos Postgres: " + e.getMessage(), e);
        }
    }

    private static Path findBin() throws IOException {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
        try (var dirs = Files.list(root)) {
            return dirs.map(d -> d.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no pg_ctl under " + root));
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** JDBC URL of the {@value #DATABASE} database (user postgres, trusted on loopback). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?user=postgres";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres");
    }

    public Connection connect() throws SQLException {
        return connect(DATABASE);
    }

    /** {@code pg_ctl stop -m immediate}: every Postgres process quits at once, no checkpoint (a crash). */
    public void stopImmediately() {
        pgCtl("stop", "-m", "immediate");
    }

    /** {@code pg_ctl start} on the same folder and port, waiting until it accepts connections (crash recovery). */
    public void startAgain() {
        pgCtl("start", "-l", dataDir.resolveSibling(dataDir.getFileName() + ".log").toString());
    }

    public boolean running() {
        return Files.exists(dataDir.resolve("postmaster.pid"));
    }

    private void pgCtl(String... args) {
        List<String> cmd = new ArrayList<>();
        // Postgres refuses to run as root; zonky runs it in a user namespace of its own there, and so does this.
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("unshare", "-U"));
        }
        cmd.add(bin.resolve("pg_ctl").toString());
        cmd.addAll(List.of("-D", dataDir.toString(), "-w", "-t", "120"));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "pg_ctl", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(150, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + Files.readString(out));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (running()) {
                pgCtl("stop", "-m", "fast");
            }
        } catch (RuntimeException e) {
            // already stopped
        }
        if (first != null) {
            try {
                first.close();
            } catch (IOException | RuntimeException ignored) {
                // the server was stopped above; zonky only tidies its lock
            }
        }
    }
}
