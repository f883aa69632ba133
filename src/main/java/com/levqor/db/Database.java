package com.levqor.db;

import com.levqor.config.DatabaseSettings;
import com.levqor.config.DatabaseSettings.Embedded;
import com.levqor.config.DatabaseSettings.External;
import com.levqor.db.jooq.Tables;
import com.levqor.runtime.Background;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database of one process: the embedded server when no external one is configured, the
 * HikariCP pool, and the jOOQ context every query goes through.
 *
 * <p>Nothing waits on the database for ever: every pooled connection has a server-side
 * {@code statement_timeout} (DB_STATEMENT_TIMEOUT_MS, the request path and the workers), a socket
 * timeout (DB_SOCKET_TIMEOUT_MS: a database that stopped answering fails the query) and TCP
 * keepalive. Work of another {@link Role} goes through {@link #dsl(Role)}, whose connections carry
 * that role's own timeout.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    /** Who runs a query, for its statement timeout. */
    public enum Role {
        /** Requests and workers: the pool's own timeout (DB_STATEMENT_TIMEOUT_MS). */
        API,
        /** Background duties: DB_SWEEPER_STATEMENT_TIMEOUT_MS. */
        SWEEPER,
        /** Admin endpoints and CLI commands: DB_ADMIN_STATEMENT_TIMEOUT_MS. */
        ADMIN
    }

    private final EmbeddedPostgresServer embedded;
    private final HikariDataSource pool;
    private final DSLContext dsl;
    /** The context of each role whose timeout differs from the pool's; the others use {@link #dsl}. */
    private final Map<Role, DSLContext> roleDsls = new EnumMap<>(Role.class);
    private final String description;
    private final ExecutorService checker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "levqor-db-check");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<CompletableFuture<Boolean>> inflightCheck = new AtomicReference<>();

    private final DatabaseSettings settings;

    private Database(EmbeddedPostgresServer embedded, HikariDataSource pool, String description,
                     DatabaseSettings settings) {
        this.embedded = embedded;
        this.pool = pool;
        this.description = description;
        this.settings = settings;
        Settings jooq = new Settings().withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
                .withExecuteLogging(false);
        this.dsl = DSL.using(pool, SQLDialect.POSTGRES, jooq);
        for (Role role : Role.values()) {
            long millis = timeoutOf(role);
            if (millis != settings.statementTimeoutMillis()) {
                roleDsls.put(role, DSL.using(new RoleConnections(pool, role, millis, settings.statementTimeoutMillis()),
                        SQLDialect.POSTGRES, jooq));
            }
        }
    }

    /** See {@link EmbeddedPostgresServer#useQuickLogin}: a failure costs the next start its login time, nothing else. */
    private static void useQuickLogin(EmbeddedPostgresServer embedded, DataSource pool) {
        try (Connection c = pool.getConnection()) {
            if (embedded.useQuickLogin(c)) {
                log.info("Embedded Postgres: the superuser's stored login secret now takes {} rounds to check",
                        EmbeddedPostgresServer.SCRAM_ROUNDS);
            }
        } catch (SQLException e) {
            log.warn("Could not store the embedded Postgres's quicker login secret: {}", e.getMessage());
        }
    }

    /**
     * Initializes jOOQ's types and the generated schema's classes (some 60 ms the first time in a JVM)
     * on one thread: jOOQ's static initializers may deadlock when two threads run them at once (its
     * issues 13814, 19529), e.g. one in {@code DSL.using} and the other in a generated table.
     */
    private static void loadSchemaClasses() {
        DSL.using(SQLDialect.POSTGRES);
        Objects.requireNonNull(Tables.JOBS);
    }

    /**
     * Opens the configured database (starting the embedded one if needed); does not migrate. jOOQ's
     * classes are initialized on a thread of their own meanwhile ({@link #loadSchemaClasses}), waited
     * for before the first context: nothing else of the opening touches jOOQ, and a caller that opens
     * the database on a thread of its own must not touch jOOQ before this returns.
     */
    public static Database open(DatabaseSettings settings, MetricsTrackerFactory metrics) {
        Background<Void> jooq = Background.start("jooq", () -> {
            loadSchemaClasses();
            return null;
        });
        EmbeddedPostgresServer embedded = null;
        HikariConfig config = new HikariConfig();
        String description;
        try {
            if (settings.target() instanceof Embedded e) {
                embedded = EmbeddedPostgresServer.startOrAttach(e.dataDir(), e.port());
                config.setJdbcUrl(embedded.jdbcUrl());
                config.setUsername(EmbeddedPostgresServer.USER);
                if (embedded.password() != null) {
                    config.setPassword(embedded.password());
                }
                description = e.describe() + " on port " + embedded.port();
            } else {
                External x = (External) settings.target();
                config.setJdbcUrl(x.jdbcUrl());
                x.user().ifPresent(config::setUsername);
                x.password().ifPresent(config::setPassword);
                description = x.describe();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not start the embedded Postgres: " + ex.getMessage(), ex);
        }
        config.setPoolName("levqor");
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setConnectionTimeout(settings.connectTimeoutMillis());
        config.setValidationTimeout(Math.min(settings.connectTimeoutMillis(), 2_000));
        config.setInitializationFailTimeout(settings.connectTimeoutMillis());
        config.addDataSourceProperty("ApplicationName", "levqor");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("socketTimeout", Long.toString(Math.max(1, settings.socketTimeoutMillis() / 1000)));
        // Set on each new connection (a DATABASE_URL's own ?options= would win over a data source property).
        config.setConnectionInitSql("set statement_timeout = " + settings.statementTimeoutMillis());
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        if (metrics != null) {
            config.setMetricsTrackerFactory(metrics);
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException ex) {
            if (embedded != null) {
                embedded.close();
            }
            throw new IllegalStateException("Could not connect to the database (" + description + "): "
                    + rootMessage(ex), ex);
        }
        try {
            if (embedded != null) {
                useQuickLogin(embedded, pool);
            }
            log.info("Database: {} (pool of {})", description, settings.poolSize());
            jooq.join();
            return new Database(embedded, pool, description, settings);
        } catch (RuntimeException | Error e) { // jOOQ's classes failed to load: nothing to do with the connection
            pool.close();
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /**
     * True when {@code e} (or a cause) says the database could not be reached: no pooled connection
     * within {@code DB_CONNECT_TIMEOUT_MS} (the database down, or every connection it allows taken), a
     * connection refused or broken (SQLSTATE class 08), too many connections (53300), or the server
     * shutting down or starting (57P).
     */
    public static boolean isConnectionFailure(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P")
                    || "53300".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage();
    }

    public DataSource dataSource() {
        return pool;
    }

    public DSLContext dsl() {
        return dsl;
    }

    /**
     * The jOOQ context of a role: each connection it takes runs with the role's statement timeout
     * ({@link #timeoutOf}) until it is given back, set back to the pool's before it returns to the
     * pool; a transaction through it keeps the role's timeout throughout. {@link Role#API}, or a role
     * whose timeout equals the pool's, is {@link #dsl()} itself. Built once per role.
     */
    public DSLContext dsl(Role role) {
        DSLContext own = roleDsls.get(role);
        return own != null ? own : dsl;
    }

    public String description() {
        return description;
    }

    /** The embedded server, or null when an external database is used. */
    public EmbeddedPostgresServer embedded() {
        return embedded;
    }

    /** Runs work in one transaction of {@link #dsl(Role)}: its statements have the role's statement timeout. */
    public <T> T inRole(Role role, java.util.function.Function<DSLContext, T> work) {
        return dsl(role).transactionResult(cfg -> work.apply(DSL.using(cfg)));
    }

    /** The statement timeout of a role, in milliseconds. */
    public long timeoutOf(Role role) {
        return switch (role) {
            case API -> settings.statementTimeoutMillis();
            case SWEEPER -> settings.sweeperStatementTimeoutMillis();
            case ADMIN -> settings.adminStatementTimeoutMillis();
        };
    }

    /**
     * Applies pending migrations. They run without a statement timeout (one may rewrite a large table),
     * set on the connections they use; those connections are retired afterwards, so none goes back
     * to work without the pool's timeout.
     */
    public int migrate() {
        try {
            return Migrations.migrate(pool);
        } finally {
            pool.getHikariPoolMXBean().softEvictConnections();
        }
    }

    /**
     * {@link #migrate} unless the history table already lists every migration of the jar, applied
     * ({@link Migrations#migrateIfBehind}): how {@code serve}, {@code worker} and the other commands
     * start; {@code levqor migrate} always runs Flyway's validation.
     */
    public int migrateIfBehind() {
        try (Connection c = pool.getConnection()) {
            if (Migrations.isCurrent(c)) {
                return 0;
            }
        } catch (SQLException e) {
            log.debug("Could not read the migration history; Flyway will: {}", e.toString());
        }
        return migrate();
    }

    /**
     * True when the database answers a trivial query within the timeout. Concurrent callers share
     * one check in flight, so a hung database cannot pile up probe threads.
     */
    public boolean isUp(Duration timeout) {
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> current = inflightCheck.compareAndExchange(null, mine);
        if (current == null) {
            current = mine;
            try {
                checker.execute(() -> {
                    try {
                        mine.complete(ping((int) Math.max(1, timeout.toSeconds())));
                    } finally {
                        inflightCheck.compareAndSet(mine, null);
                    }
                });
            } catch (RuntimeException rejected) {
                inflightCheck.compareAndSet(mine, null);
                return false;
            }
        }
        try {
            return current.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private boolean ping(int timeoutSeconds) {
        try (Connection c = pool.getConnection()) {
            return c.isValid(timeoutSeconds);
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * A probe of this database's reachability and schema version on a connection of its own (same
     * URL, credentials and connection properties as the pool, outside it); the caller closes it.
     */
    public SchemaProbe schemaProbe() {
        java.util.Properties props = new java.util.Properties();
        props.putAll(pool.getDataSourceProperties());
        if (pool.getUsername() != null) {
            props.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            props.setProperty("password", pool.getPassword());
        }
        return new SchemaProbe(pool.getJdbcUrl(), props);
    }

    @Override
    public void close() {
        checker.shutdownNow();
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
