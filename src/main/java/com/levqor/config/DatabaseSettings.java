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
 */
public record DatabaseSettings(DatabaseTarget target, int poolSize, long connectTimeoutMillis) {
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
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
        return new DatabaseSettings(target,
                env.integer("DB_POOL_SIZE", DEFAULT_POOL_SIZE, 1, 1_000),
                env.longValue("DB_CONNECT_TIMEOUT_MS", DEFAULT_CONNECT_TIMEOUT_MS, 250, 600_000));
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

    /** Accepts postgres://, postgresql:// and jdbc:postgresql:// forms; a problem is reported under {@code name}. */
    static External fromUrl(Env env, String name, String url) {
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
            env.problem(name, "****",
                    "postgres://user:password@host:port/database or jdbc:postgresql://host:port/database");
            return new External("jdbc:postgresql://invalid/", Optional.empty(), Optional.empty());
        }
    }
}
