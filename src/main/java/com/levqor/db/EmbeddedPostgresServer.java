package com.levqor.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Postgres of {@code make run}: started on the data folder ({@code ./data} by default)
 * so rows survive a restart. When another Levqor process already runs Postgres on that folder
 * (a CLI command beside {@code levqor serve}), this one attaches to it instead of starting a second.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    /** The superuser of the embedded server (no password: it listens on 127.0.0.1 only). */
    public static final String USER = "postgres";
    static final String DATABASE = "postgres";

    private final EmbeddedPostgres owned;
    private final int port;
    private final Path dataDir;

    private EmbeddedPostgresServer(EmbeddedPostgres owned, int port, Path dataDir) {
        this.owned = owned;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** Starts Postgres on the folder, or attaches to the one already running there. */
    public static EmbeddedPostgresServer startOrAttach(Path dataDir, int port) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<Integer> running = runningPort(dir);
        if (running.isPresent()) {
            log.info("Attaching to the embedded Postgres already running in {} on port {}", dir, running.get());
            return new EmbeddedPostgresServer(null, running.get(), dir);
        }
        Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(STARTUP_WAIT)
                .setServerConfig("listen_addresses", "127.0.0.1")
                // zonky's defaults are for throw-away test databases (fsync and synchronous_commit off);
                // this one keeps real data, and a 202 must mean the row survives a crash.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "200");
        if (port > 0) {
            builder.setPort(port);
        }
        EmbeddedPostgres pg = builder.start();
        log.info("Embedded Postgres started in {} on 127.0.0.1:{}", dir, pg.getPort());
        return new EmbeddedPostgresServer(pg, pg.getPort(), dir);
    }

    /**
     * The port of a live postmaster on the folder, read from its {@code postmaster.pid}
     * (line 1 the pid, line 4 the port), or empty when none runs there.
     */
    static Optional<Integer> runningPort(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!alive) {
                return Optional.empty();
            }
            return Optional.of(Integer.parseInt(lines.get(3).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** True when this process started the server (and so stops it on close). */
    public boolean owned() {
        return owned != null;
    }

    /** Stops the server cleanly (a fast shutdown with a checkpoint) if this process started it. */
    @Override
    public void close() {
        if (owned == null) {
            return;
        }
        try {
            owned.close();
            log.info("Embedded Postgres in {} stopped", dataDir);
        } catch (IOException e) {
            log.warn("Embedded Postgres in {} did not stop cleanly: {}", dataDir, e.toString());
        }
    }
}
