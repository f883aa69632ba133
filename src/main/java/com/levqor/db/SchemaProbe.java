package com.levqor.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.flywaydb.core.api.MigrationVersion;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * The readiness probe's look at the database: does it answer, and which schema version is applied
 * (the newest successful row of Flyway's history). It runs on a connection of its own, outside the
 * pool, so a pool busy with real work never makes the probe fail, and on a thread of its own;
 * callers wait at most their timeout, and concurrent callers share the check in flight, so a hung
 * database cannot pile up threads. The connection is opened again after any failure.
 */
public final class SchemaProbe implements AutoCloseable {
    /** Postgres' undefined_table: the database answers but Flyway's history is not there. */
    private static final String UNDEFINED_TABLE = "42P01";
    /** Bounds of one check on the probe's own thread (the caller's wait is shorter still). */
    private static final int CONNECT_TIMEOUT_SECONDS = 2;
    private static final int SOCKET_TIMEOUT_SECONDS = 3;
    private static final int QUERY_TIMEOUT_SECONDS = 1;

    /**
     * What one check found.
     *
     * @param answered whether the database answered in time
     * @param applied  the newest applied schema version ({@link MigrationVersion#EMPTY} without any); empty
     *                 when the database did not answer
     * @param problem  why it did not answer (a timeout, a refused connection…); empty when it did
     * @param millis   how long the caller waited
     */
    public record Result(boolean answered, Optional<MigrationVersion> applied, Optional<String> problem,
                         double millis) {
    }

    private final String jdbcUrl;
    private final Properties properties;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "levqor-readiness");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<CompletableFuture<MigrationVersion>> inflight = new AtomicReference<>();
    /** Only touched on {@link #thread}. */
    private Connection connection;

    /**
     * @param jdbcUrl    the database's JDBC URL
     * @param properties the connection properties (user, password, TLS…); the probe adds its own timeouts
     */
    public SchemaProbe(String jdbcUrl, Properties properties) {
        this.jdbcUrl = jdbcUrl;
        this.properties = new Properties();
        this.properties.putAll(properties);
        this.properties.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        this.properties.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        this.properties.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        this.properties.setProperty("ApplicationName", "levqor-readiness");
        this.properties.setProperty("options", "-c statement_timeout=" + QUERY_TIMEOUT_SECONDS * 1000);
    }

    /** Checks now, waiting at most {@code timeout} for the answer. */
    public Result check(Duration timeout) {
        long start = System.nanoTime();
        CompletableFuture<MigrationVersion> mine = new CompletableFuture<>();
        CompletableFuture<MigrationVersion> current = inflight.compareAndExchange(null, mine);
        if (current == null) {
            current = mine;
            try {
                thread.execute(() -> {
                    try {
                        mine.complete(appliedVersion());
                    } catch (Throwable t) {
                        mine.completeExceptionally(t);
                    } finally {
                        inflight.compareAndSet(mine, null);
                    }
                });
            } catch (RuntimeException rejected) {
                inflight.compareAndSet(mine, null);
                return failed("the probe is stopped", start);
            }
        }
        try {
            MigrationVersion v = current.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(true, Optional.of(v), Optional.empty(), elapsed(start));
        } catch (TimeoutException e) {
            return failed("no answer within " + timeout.toMillis() + " ms", start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted", start);
        } catch (Exception e) {
            Throwable cause = driverError(e.getCause() != null ? e.getCause() : e);
            return failed(cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage()), start);
        }
    }

    private static Result failed(String problem, long start) {
        return new Result(false, Optional.empty(), Optional.of(problem), elapsed(start));
    }

    private static double elapsed(long start) {
        return Math.round((System.nanoTime() - start) / 10_000.0) / 100.0;
    }

    /** The driver's own exception when there is one (jOOQ's wrapper repeats the SQL), else the throwable. */
    private static Throwable driverError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException) {
                return c;
            }
        }
        return t;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** On the probe's thread: the newest successful versioned migration, on the probe's connection. */
    private MigrationVersion appliedVersion() throws SQLException {
        try {
            if (connection == null || connection.isClosed()) {
                connection = new org.postgresql.Driver().connect(jdbcUrl, properties);
                if (connection == null) {
                    throw new SQLException("not a PostgreSQL JDBC URL");
                }
            }
            Field<String> version = DSL.field(DSL.name("version"), String.class);
            Field<Boolean> success = DSL.field(DSL.name("success"), Boolean.class);
            List<String> versions = DSL.using(connection, SQLDialect.POSTGRES)
                    .select(version)
                    .from(DSL.table(DSL.name("flyway_schema_history")))
                    .where(success.isTrue().and(version.isNotNull()))
                    .queryTimeout(QUERY_TIMEOUT_SECONDS)
                    .fetch(version);
            return versions.stream().map(MigrationVersion::fromVersion).max(Comparator.naturalOrder())
                    .orElse(MigrationVersion.EMPTY);
        } catch (DataAccessException e) {
            if (UNDEFINED_TABLE.equals(e.sqlState())) {
                return MigrationVersion.EMPTY;
            }
            closeConnection();
            throw e;
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            throw e;
        }
    }

    private void closeConnection() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken: nothing more to release
            }
        }
    }

    /** Stops the probe's thread and closes its connection (bounded). */
    @Override
    public void close() {
        try {
            thread.execute(this::closeConnection);
        } catch (RuntimeException alreadyClosed) {
            return;
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
