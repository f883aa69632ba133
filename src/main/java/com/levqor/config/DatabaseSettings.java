package com.levqor.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which Postgres to use. {@code DATABASE_URL} (postgres://user:pass@host:port/db or
 * jdbc:postgresql://…) wins; otherwise the libpq variables {@code PGHOST PGPORT PGUSER PGPASSWORD
 * PGDATABASE}; none set selects the embedded Postgres with its data in {@code LEVQOR_DATA_DIR}.
 *
 * @param target   external JDBC URL and credentials, or the embedded server
 * @param poolSize {@code DB_POOL_SIZE}: HikariCP maximum pool size (default {@value #DEFAULT_POOL_SIZE})
 * @param connectTimeoutMillis {@code DB_CONNECT_TIMEOUT_MS}: longest wait for a pooled connection
 * @param statementTimeoutMillis {@code DB_STATEMENT_TIMEOUT_MS}: longest a statement of the request path and the
 *                 workers may run or wait for a lock, server side (default {@value #DEFAULT_STATEMENT_TIMEOUT_MS})
 * @param sweeperStatementTimeoutMillis {@code DB_SWEEPER_STATEMENT_TIMEOUT_MS}: the same for the background duties
 *                 (lease rescue, retries, undelivered jobs, callbacks) (default {@value #DEFAULT_SWEEPER_STATEMENT_TIMEOUT_MS})
 * @param adminStatementTimeoutMillis {@code DB_ADMIN_STATEMENT_TIMEOUT_MS}: the same for admin endpoints and CLI
 *                 commands (DLQ retry of a thousand jobs, listings) (default {@value #DEFAULT_ADMIN_STATEMENT_TIMEOUT_MS})
 * @param socketTimeoutMillis {@code DB_SOCKET_TIMEOUT_MS}: longest wait for the database's answer on the wire: a
 *                 database that stopped answering (hung, or a dead network path) fails the query after it instead of
 *                 holding the thread for ever; must exceed every statement timeout (default {@value #DEFAULT_SOCKET_TIMEOUT_MS})
 */
public record DatabaseSettings(DatabaseTarget target, int poolSize, long connectTimeoutMillis,
                               long statementTimeoutMillis, long sweeperStatementTimeoutMillis,
                               long adminStatementTimeoutMillis, long socketTimeoutMillis) {
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    public static final long DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
    public static final long DEFAULT_SWEEPER_STATEMENT_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_ADMIN_STATEMENT_TIMEOUT_MS = 60_000;
    public static final long DEFAULT_SOCKET_TIMEOUT_MS = 90_000;
    public static final String DEFAULT_DATA_DIR = "./data";

    /** Where the database lives. */
    public sealed interface DatabaseTarget permits External, Embedded {
        /** A short description safe to log (no password). */
        String describe();
    }

    /** An external server reached through JDBC. */
    public record External(String jdbcUrl, Optional<String> user, Optional<String> password) implements DatabaseTarget {
        @Override
        public String describe() {
            return jdbcUrl.replaceAll("password=[^&]*", "password=****") + user.map(u -> " as " + u).orElse("");
        }

        @Override
        public String toString() {
            return "External[" + describe() + "]";
        }
    }

    /**
     * The embedded Postgres started by this process (or attached to, when another Levqor process on
     * the same data folder already runs it).
     *
     * @param dataDir {@code LEVQOR_DATA_DIR} (default {@value DatabaseSettings#DEFAULT_DATA_DIR})
     * @param port    {@code EMBEDDED_PG_PORT}: 0 picks a free port (default)
     */
    public record Embedded(Path dataDir, int port) implements DatabaseTarget {
        @Override
        public String describe() {
            return "embedded Postgres in " + dataDir.toAbsolutePath().normalize();
        }
    }

    static DatabaseSettings parse(Env env) {
        DatabaseTarget target = parseTarget(env);
        long statement = env.longValue("DB_STATEMENT_TIMEOUT_MS", DEFAULT_STATEMENT_TIMEOUT_MS, 100, 86_400_000);
        long sweeper = env.longValue("DB_SWEEPER_STATEMENT_TIMEOUT_MS", DEFAULT_SWEEPER_STATEMENT_TIMEOUT_MS, 100,
                86_400_000);
        long admin = env.longValue("DB_ADMIN_STATEMENT_TIMEOUT_MS", DEFAULT_ADMIN_STATEMENT_TIMEOUT_MS, 100, 86_400_000);
        long socket = env.longValue("DB_SOCKET_TIMEOUT_MS", DEFAULT_SOCKET_TIMEOUT_MS, 1_000, 86_400_000);
        long longest = Math.max(statement, Math.max(sweeper, admin));
        if (socket <= longest) {
            env.problem("DB_SOCKET_TIMEOUT_MS", Long.toString(socket),
                    "more than the longest statement timeout (" + longest + " ms), or statements would be cut "
                            + "off on the wire before the database cancels them");
        }
        return new DatabaseSettings(target,
                env.integer("DB_POOL_SIZE", DEFAULT_POOL_SIZE, 1, 1_000),
                env.longValue("DB_CONNECT_TIMEOUT_MS", DEFAULT_CONNECT_TIMEOUT_MS, 250, 600_000),
                statement, sweeper, admin, socket);
    }

    private static DatabaseTarget parseTarget(Env env) {
        Optional<String> url = env.secret("DATABASE_URL");
        Path dataDir = env.path("LEVQOR_DATA_DIR", DEFAULT_DATA_DIR);
        int embeddedPort = env.integer("EMBEDDED_PG_PORT", 0, 0, 65_535);
        Optional<String> pgHost = env.optional("PGHOST");
        Optional<String> pgPort = env.optional("PGPORT");
        Optional<String> pgUser = env.optional("PGUSER");
        Optional<String> pgPassword = env.secret("PGPASSWORD");
        Optional<String> pgDatabase = env.optional("PGDATABASE");
        if (url.isPresent()) {
            return fromUrl(env, url.get());
        }
        if (pgHost.isPresent() || pgPort.isPresent() || pgUser.isPresent() || pgDatabase.isPresent()) {
            int port = 5432;
            if (pgPort.isPresent()) {
                try {
                    port = Integer.parseInt(pgPort.get());
                    if (port < 1 || port > 65_535) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    env.problem("PGPORT", pgPort.get(), "a TCP port from 1 to 65535");
                }
            }
            String host = pgHost.orElse("localhost");
            String user = pgUser.orElse(System.getProperty("user.name"));
            String db = pgDatabase.orElse(user);
            String hostPart = host.startsWith("/") ? "localhost" : host; // libpq socket dirs: TCP to localhost
            return new External("jdbc:postgresql://" + hostPart + ":" + port + "/" + db, Optional.of(user), pgPassword);
        }
        return new Embedded(dataDir, embeddedPort);
    }

    /** Accepts postgres://, postgresql:// and jdbc:postgresql:// forms. */
    static DatabaseTarget fromUrl(Env env, String url) {
        if (url.startsWith("jdbc:postgresql://")) {
            return new External(url, Optional.empty(), Optional.empty());
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            if (!("postgres".equals(scheme) || "postgresql".equals(scheme)) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
            int port = uri.getPort() == -1 ? 5432 : uri.getPort();
            String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + port + path
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            Optional<String> user = Optional.empty();
            Optional<String> password = Optional.empty();
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = Optional.of(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
                if (parts.length == 2) {
                    password = Optional.of(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
                }
            }
            return new External(jdbc, user, password);
        } catch (Exception e) {
            env.problem("DATABASE_URL", "****",
                    "postgres://user:password@host:port/database or jdbc:postgresql://host:port/database");
            return new External("jdbc:postgresql://invalid/", Optional.empty(), Optional.empty());
        }
    }
}
