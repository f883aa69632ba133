package com.levqor.db;

import com.levqor.runtime.Once;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the SQL files of {@code migrations/} (packed in the jar as {@code db/migration}).
 *
 * <p>{@link #migrate} runs Flyway (validation and pending migrations) every time; it is what
 * {@code levqor migrate} does. {@link #migrateIfBehind} first asks the history table whether every
 * migration of the jar is applied, successfully, and nothing else is: then there is nothing to do
 * and Flyway (about half a second of class loading and validation) is not started at all. Anything
 * else — no history table, a pending, failed or unknown migration — goes to Flyway, which applies or
 * reports it exactly as before. What the quick check does not compare is the checksum of a file
 * edited after it was applied: {@code levqor migrate} still reports that.
 */
public final class Migrations {
    public static final String LOCATION = "classpath:db/migration";
    private static final String FOLDER = "db/migration";
    /** Flyway's versioned file names: {@code V9__incidents_and_status.sql}. */
    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__[^/]*\\.sql");
    /** The versioned migration files, listed at the first use ({@link #scripts}). */
    private static final Once<Set<String>> SCRIPTS = new Once<>(() -> Collections.unmodifiableSet(listScripts()));

    private Migrations() {
    }

    /** Migrates the database to the newest version with Flyway, validating what is applied; returns how many ran. */
    public static int migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .validateOnMigrate(true)
                .cleanDisabled(true)
                // A migration may rewrite a large table: no statement timeout (the pool sets one per connection).
                .initSql("set statement_timeout = 0")
                .load()
                .migrate();
        return result.migrationsExecuted;
    }

    /**
     * True when the history table lists exactly the jar's migration files, each applied successfully.
     */
    public static boolean isCurrent(Connection c) throws SQLException {
        Set<String> applied = new TreeSet<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("select to_regclass('flyway_schema_history') is not null")) {
                r.next();
                if (!r.getBoolean(1)) {
                    return false;
                }
            }
            try (ResultSet r = s.executeQuery("select script, success from flyway_schema_history where version is not null")) {
                while (r.next()) {
                    if (!r.getBoolean(2) || !applied.add(r.getString(1))) {
                        return false;
                    }
                }
            }
        }
        return applied.equals(scripts());
    }

    /**
     * The newest versioned migration this build carries (the schema version it needs), read from the
     * jar or the classes folder without asking the database: the readiness probe compares the
     * database's version with it.
     */
    public static MigrationVersion expectedVersion() {
        return newest(List.copyOf(scripts()));
    }

    /** The newest version among Flyway file names; {@link MigrationVersion#EMPTY} when none is versioned. */
    static MigrationVersion newest(List<String> fileNames) {
        return fileNames.stream()
                .map(VERSIONED::matcher)
                .filter(Matcher::matches)
                .map(m -> MigrationVersion.fromVersion(m.group(1)))
                .max(Comparator.naturalOrder())
                .orElse(MigrationVersion.EMPTY);
    }

    /**
     * The versioned migration files in the jar (or in target/classes when run from the build), listed
     * once per process: listing them reads every entry of the jar (some 30,000), and the start needs
     * them twice (the history check and the readiness probe's expected version).
     */
    static Set<String> scripts() {
        return SCRIPTS.get();
    }

    private static Set<String> listScripts() {
        URL url = Migrations.class.getClassLoader().getResource(FOLDER);
        if (url == null) {
            throw new IllegalStateException("No " + FOLDER + " on the class path");
        }
        Set<String> names = new TreeSet<>();
        try {
            if ("jar".equals(url.getProtocol())) {
                JarURLConnection jar = (JarURLConnection) url.openConnection();
                jar.setUseCaches(false);
                try (JarFile file = jar.getJarFile()) {
                    for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                        String name = e.nextElement().getName();
                        if (name.startsWith(FOLDER + "/")) {
                            add(names, name.substring(FOLDER.length() + 1));
                        }
                    }
                }
            } else {
                try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                    files.forEach(p -> add(names, p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + url + ": " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    private static void add(Set<String> names, String name) {
        if (VERSIONED.matcher(name).matches()) {
            names.add(name);
        }
    }
}
