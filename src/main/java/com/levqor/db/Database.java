package com.levqor.db;

import com.levqor.config.DatabaseSettings;
import com.levqor.config.DatabaseSettings.Embedded;
import com.levqor.config.DatabaseSettings.External;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.time.Duration;
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
 * keepalive. Work of another {@link Role} runs in a transaction with that role's own timeout.
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
        this.dsl = DSL.using(pool, SQLDialect.POSTGRES,
                new Settings().withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
                        .withExecuteLogging(false));
    }

    /** Opens the configured database (starting the embedded one if needed); does not migrate. */
    public static Database open(DatabaseSettings settings, MetricsTrackerFactory metrics) {
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
        try {
            HikariDataSource pool = new HikariDataSource(config);
            log.info("Database: {} (pool of {})", description, settings.poolSize());
            return new Database(embedded, pool, description, settings);
        } catch (RuntimeException ex) {
            if (embedded != null) {
                embedded.close();
            }
            throw new IllegalStateException("Could not connect to the database (" + description + "): "
                    + rootMessage(ex), ex);
        }
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

    public String description() {
        return description;
    }

    /** The embedded server, or null when an external database is used. */
    public EmbeddedPostgresServer embedded() {
        return embedded;
    }

    /**
     * Runs work in one transaction whose statements may take the role's statement timeout instead
     * of the pool's (set with {@code set_config(…, true)}: it ends with the transaction).
     */
    public <T> T inRole(Role role, java.util.function.Function<DSLContext, T> work) {
        long millis = timeoutOf(role);
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            if (millis != settings.statementTimeoutMillis()) {
                tx.select(DSL.function("set_config", String.class, DSL.val("statement_timeout"),
                        DSL.val(Long.toString(millis)), DSL.inline(true))).fetch();
            }
            return work.apply(tx);
        });
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

    @Override
    public void close() {
        checker.shutdownNow();
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
