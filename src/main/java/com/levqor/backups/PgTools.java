package com.levqor.backups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code pg_dump} and {@code psql}: found in {@code PG_BIN_DIR} when it is set (and only there),
 * otherwise on {@code PATH}, and checked before any work: both must run, and their major version must
 * not be older than the server's ({@code pg_dump} refuses a newer server, and an older {@code psql}
 * may not read a newer dump). Anything missing is a {@link PgToolsMissingException} (exit status 3)
 * naming the Debian package to install.
 */
public final class PgTools {
    /** The major version of the embedded Postgres: named when the server's is not known yet. */
    public static final int EMBEDDED_MAJOR = 15;
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");
    private static final long VERSION_TIMEOUT_SECONDS = 20;

    /** One tool: where it is and what {@code --version} said. */
    public record Tool(String name, Path path, String version, int major) {
    }

    private final Tool pgDump;
    private final Tool psql;

    private PgTools(Tool pgDump, Tool psql) {
        this.pgDump = pgDump;
        this.psql = psql;
    }

    /**
     * Finds both tools and asks each for its version.
     *
     * @param binDir     {@code PG_BIN_DIR}: when present, the only place looked in
     * @param searchPath the folders of {@code PATH}
     */
    public static PgTools locate(Optional<Path> binDir, List<Path> searchPath) throws PgToolsMissingException {
        return new PgTools(tool("pg_dump", binDir, searchPath), tool("psql", binDir, searchPath));
    }

    private static Tool tool(String name, Optional<Path> binDir, List<Path> searchPath) throws PgToolsMissingException {
        Optional<Path> found = binDir.isPresent() ? executable(binDir.get().resolve(name))
                : searchPath.stream().map(d -> d.resolve(name)).map(PgTools::executable)
                        .flatMap(Optional::stream).findFirst();
        String where = binDir.map(d -> "in PG_BIN_DIR (" + d + ")").orElse("on PATH");
        if (found.isEmpty()) {
            throw new PgToolsMissingException(name + " was not found " + where + ". " + advice(EMBEDDED_MAJOR));
        }
        String version = version(found.get());
        Matcher m = VERSION.matcher(version);
        if (!m.find()) {
            throw new PgToolsMissingException(found.get() + " --version did not name a PostgreSQL version ('"
                    + version + "'). " + advice(EMBEDDED_MAJOR));
        }
        return new Tool(name, found.get(), version, Integer.parseInt(m.group(1)));
    }

    private static Optional<Path> executable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    private static String version(Path tool) throws PgToolsMissingException {
        try {
            Process p = new ProcessBuilder(tool.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(4_096);
            if (!p.waitFor(VERSION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PgToolsMissingException(tool + " --version did not answer within "
                        + VERSION_TIMEOUT_SECONDS + " s. " + advice(EMBEDDED_MAJOR));
            }
            String text = new String(out, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new PgToolsMissingException(tool + " --version failed (exit " + p.exitValue() + "): " + text
                        + ". " + advice(EMBEDDED_MAJOR));
            }
            return text;
        } catch (IOException e) {
            throw new PgToolsMissingException(tool + " could not be run: " + e.getMessage() + ". "
                    + advice(EMBEDDED_MAJOR));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgToolsMissingException(tool + " --version was interrupted");
        }
    }

    /** Fails when either tool's major version is older than the server's. */
    public PgTools requireServerMajor(int serverMajor) throws PgToolsMissingException {
        for (Tool t : List.of(pgDump, psql)) {
            if (t.major() < serverMajor) {
                throw new PgToolsMissingException(t.name() + " at " + t.path() + " is version " + t.major()
                        + " (" + t.version() + "), older than the server's " + serverMajor + ". " + advice(serverMajor));
            }
        }
        return this;
    }

    /** What to install, for a server of this major version. */
    public static String advice(int serverMajor) {
        return "Install the Debian package postgresql-client-" + serverMajor + " (apt-get install postgresql-client-"
                + serverMajor + ": pg_dump and psql of major version " + serverMajor + " or newer), or set PG_BIN_DIR "
                + "to the folder that holds them.";
    }

    public Tool pgDump() {
        return pgDump;
    }

    public Tool psql() {
        return psql;
    }
}
