package com.levqor.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Postgres to use. {@code DATABASE_URL} (postgres://user:pass@host:port/db, several hosts as
 * host1:port1,host2:port2, or jdbc:postgresql://…) wins; otherwise the libpq variables {@code PGHOST PGPORT PGUSER PGPASSWORD
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
            return fromUrl(env, "DATABASE_URL", url.get());
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

    /**
     * Accepts postgres://, postgresql:// and jdbc:postgresql:// forms; a problem is reported under {@code name}.
     * A jdbc: URL is used as it is (pgjdbc reads several hosts and {@code targetServerType} itself). A
     * postgres:// URL may list several hosts as libpq does ({@code postgres://u:p@a:5432,b:5432/db}), each
     * port defaulting to 5432, and may carry libpq's {@code target_session_attrs}, turned into pgjdbc's
     * {@code targetServerType} of the same meaning ({@link #TARGET_SERVER_TYPES}); other parameters are
     * handed to pgjdbc as they are.
     */
    static External fromUrl(Env env, String name, String url) {
        if (url.startsWith("jdbc:postgresql://")) {
            return new External(url, Optional.empty(), Optional.empty());
        }
        try {
            Matcher m = LIBPQ_URL.matcher(url);
            if (!m.matches()) {
                throw new IllegalArgumentException();
            }
            List<String> hosts = hostList(m.group(3));
            // The host list is no URI authority (commas, several ports): parse the rest with one placeholder host.
            URI uri = new URI(m.group(1) + "://" + (m.group(2) == null ? "" : m.group(2) + "@") + "host.invalid"
                    + m.group(4));
            String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
            String query = uri.getRawQuery() == null ? "" : jdbcQuery(env, name, uri.getRawQuery());
            String jdbc = "jdbc:postgresql://" + String.join(",", hosts) + path + (query.isEmpty() ? "" : "?" + query);
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
            env.problem(name, "****", "postgres://user:password@host:port/database (several hosts as "
                    + "host1:port1,host2:port2) or jdbc:postgresql://host:port/database");
            return new External("jdbc:postgresql://invalid/", Optional.empty(), Optional.empty());
        }
    }

    /** scheme, user info (without its @), host list, and the rest (path, query, fragment). */
    private static final Pattern LIBPQ_URL = Pattern.compile("(postgres|postgresql)://(?:([^@/?#]*)@)?([^/?#]*)(.*)");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?");

    /**
     * libpq's {@code target_session_attrs} values and pgjdbc's {@code targetServerType} of the same
     * meaning: {@code primary} takes only a server that accepts writes, so the pool follows a primary
     * switch to whichever listed host is primary now.
     */
    static final Map<String, String> TARGET_SERVER_TYPES = Map.of(
            "any", "any",
            "read-write", "primary",
            "primary", "primary",
            "read-only", "secondary",
            "standby", "secondary",
            "prefer-standby", "preferSecondary");

    /** Each {@code host[:port]} of a comma-separated list as {@code host:port} (port 5432 when absent). */
    private static List<String> hostList(String list) {
        List<String> hosts = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            Matcher m = HOST_PORT.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException();
            }
            int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException();
            }
            hosts.add(m.group(1) + ":" + port);
        }
        return hosts;
    }

    /** The query of a postgres:// URL for pgjdbc: {@code target_session_attrs} becomes {@code targetServerType}. */
    private static String jdbcQuery(Env env, String name, String rawQuery) {
        List<String> out = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv[0].equals("target_session_attrs")) {
                String value = kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
                String type = TARGET_SERVER_TYPES.get(value);
                if (type == null) {
                    env.problem(name, "****", "target_session_attrs of one of " + String.join(", ",
                            new TreeSet<>(TARGET_SERVER_TYPES.keySet())) + " (it was '" + value + "')");
                    continue;
                }
                out.add("targetServerType=" + type);
            } else if (!pair.isEmpty()) {
                out.add(pair);
            }
        }
        return String.join("&", out);
    }
}
