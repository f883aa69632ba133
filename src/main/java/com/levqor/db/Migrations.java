package com.levqor.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the SQL files of {@code migrations/} (packed in the jar as {@code db/migration}). */
public final class Migrations {
    public static final String LOCATION = "classpath:db/migration";
    private static final String FOLDER = "db/migration/";
    /** Flyway's versioned file names: {@code V9__incidents_and_status.sql}. */
    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__[^/]*\\.sql");

    private Migrations() {
    }

    /** Migrates the database to the newest version; returns how many migrations ran. */
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
     * The newest versioned migration this build carries (the schema version it needs), read from the
     * jar or the classes folder without asking the database: the readiness probe compares the
     * database's version with it.
     */
    public static MigrationVersion expectedVersion() {
        List<String> names = new ArrayList<>();
        try {
            Path source = Path.of(Migrations.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(source)) {
                Path folder = source.resolve(FOLDER);
                if (Files.isDirectory(folder)) {
                    try (Stream<Path> files = Files.list(folder)) {
                        files.forEach(f -> names.add(f.getFileName().toString()));
                    }
                }
            } else {
                try (JarFile jar = new JarFile(source.toFile())) {
                    jar.stream().map(e -> e.getName())
                            .filter(n -> n.startsWith(FOLDER) && n.indexOf('/', FOLDER.length()) < 0)
                            .forEach(n -> names.add(n.substring(FOLDER.length())));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list the migrations in " + FOLDER + ": " + e.getMessage(), e);
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("Could not find the migrations in " + FOLDER + ": " + e.getMessage(), e);
        }
        return newest(names);
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
}
