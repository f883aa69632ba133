package com.levqor.testing;

import com.levqor.db.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * One real embedded Postgres for the whole test run, with the production migrations applied to a
 * template database. Each test (class) takes a fresh database cloned from the template: tests are
 * isolated by data, not by new servers.
 */
public final class TestPostgres {
    private static final String TEMPLATE = "levqor_template";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                Path dir = Path.of("target", "tmp", "test-pg-" + ProcessHandle.current().pid());
                Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
                deleteLeftovers(dir.getParent());
                // Not deleted at exit: deleting hundreds of test databases outlasted surefire's 30 s exit limit on a
                // busy machine ("Surefire is going to kill self fork JVM"); the next run deletes them instead.
                server = EmbeddedPostgres.builder()
                        .setDataDirectory(dir)
                        .setCleanDataDirectory(false)
                        .setServerConfig("max_connections", "300")
                        .setServerConfig("fsync", "off")
                        .start();
                exec(server.getPostgresDatabase(), "create database " + TEMPLATE);
                DataSource template = server.getDatabase("postgres", TEMPLATE);
                Migrations.migrate(template);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        server.close();
                    } catch (IOException ignored) {
                        // the JVM is going away
                    }
                }));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** Deletes the data and log folders of earlier runs whose process has ended. */
    private static void deleteLeftovers(Path tmp) throws IOException {
        if (!Files.isDirectory(tmp)) {
            return;
        }
        try (var dirs = Files.list(tmp)) {
            java.util.regex.Pattern ours = java.util.regex.Pattern.compile("(?:test-pg|logs)-(\\d+)(?:-\\d+)?");
            for (Path d : dirs.toList()) {
                java.util.regex.Matcher m = ours.matcher(d.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue; // another test run in this folder
                }
                try (var all = Files.walk(d)) {
                    for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** A new database with the migrated schema and no rows; returns its JDBC URL (user postgres). */
    public static String newDatabase() {
        EmbeddedPostgres pg = server();
        String name = "t_" + COUNTER.incrementAndGet();
        exec(pg.getPostgresDatabase(), "create database " + name + " template " + TEMPLATE);
        return pg.getJdbcUrl("postgres", name);
    }

    /** A new database without any schema (no migration applied); returns its JDBC URL (user postgres). */
    public static String emptyDatabase() {
        EmbeddedPostgres pg = server();
        String name = "t_" + COUNTER.incrementAndGet();
        exec(pg.getPostgresDatabase(), "create database " + name + " template template0");
        return pg.getJdbcUrl("postgres", name);
    }

    /** A plain data source on a database created by {@link #newDatabase()}. */
    public static DataSource dataSource(String jdbcUrl) {
        String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).split("\\?")[0];
        return server().getDatabase("postgres", name);
    }

    public static int port() {
        return server().getPort();
    }

    private static void exec(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (Exception e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
