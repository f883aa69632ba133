package com.levqor.backups;

import com.levqor.config.DatabaseSettings;
import com.levqor.config.DatabaseSettings.Embedded;
import com.levqor.config.DatabaseSettings.External;
import com.levqor.db.EmbeddedPostgresServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One Postgres database as both JDBC and the libpq tools ({@code pg_dump}, {@code psql}) reach it:
 * hosts, ports, database name, credentials and SSL settings. The tools get them through their
 * environment ({@code PGHOST}, {@code PGPASSWORD}…), never on a command line that {@code ps} shows.
 *
 * @param hosts    comma-separated host names (libpq and pgjdbc both accept several)
 * @param ports    comma-separated ports, one per host
 * @param database the database name
 * @param params   the JDBC URL's other parameters ({@code sslmode}…), kept for JDBC; the SSL ones
 *                 are handed to the tools too
 */
public record PgTarget(String hosts, String ports, String database, Optional<String> user, Optional<String> password,
                       Map<String, String> params) {

    /** The JDBC parameters that have a libpq environment variable of the same meaning. */
    private static final Map<String, String> LIBPQ_VARIABLES = Map.of(
            "sslmode", "PGSSLMODE",
            "sslrootcert", "PGSSLROOTCERT",
            "sslcert", "PGSSLCERT",
            "sslkey", "PGSSLKEY",
            "connectTimeout", "PGCONNECT_TIMEOUT");
    /**
     * pgjdbc's {@code targetServerType} as libpq's {@code target_session_attrs} (pg_dump and psql
     * 14 or newer), so the tools pick the same server of a host list as the pool does; pgjdbc's
     * {@code preferPrimary} has no libpq equivalent and is left out (the first host that answers).
     */
    private static final Map<String, String> TARGET_SESSION_ATTRS = Map.of(
            "any", "any",
            "primary", "primary",
            "master", "primary",
            "secondary", "standby",
            "slave", "standby",
            "preferSecondary", "prefer-standby",
            "preferSlave", "prefer-standby");

    public PgTarget {
        params = Map.copyOf(params);
    }

    /** The database of this process: the embedded server's, or the configured external one. */
    public static PgTarget of(DatabaseSettings settings, EmbeddedPostgresServer embedded) {
        if (settings.target() instanceof Embedded) {
            if (embedded == null) {
                throw new IllegalStateException("the embedded Postgres is not running");
            }
            return fromJdbc(embedded.jdbcUrl(), Optional.of(embedded.user()), Optional.ofNullable(embedded.password()));
        }
        External x = (External) settings.target();
        return fromJdbc(x.jdbcUrl(), x.user(), x.password());
    }

    /** From a {@code jdbc:postgresql://…} URL; user and password in the URL count when not given apart. */
    public static PgTarget fromJdbc(String jdbcUrl, Optional<String> user, Optional<String> password) {
        Properties p = org.postgresql.Driver.parseURL(jdbcUrl, null);
        if (p == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL");
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            if (!name.startsWith("PG") && !name.equals("user") && !name.equals("password")) {
                params.put(name, p.getProperty(name));
            }
        }
        return new PgTarget(p.getProperty("PGHOST"), p.getProperty("PGPORT"), p.getProperty("PGDBNAME"),
                user.or(() -> Optional.ofNullable(p.getProperty("user"))),
                password.or(() -> Optional.ofNullable(p.getProperty("password"))), params);
    }

    /** The same server, another database (the scratch database of a restore drill). */
    public PgTarget withDatabase(String name) {
        return new PgTarget(hosts, ports, name, user, password, params);
    }

    /** The JDBC URL without credentials. */
    public String jdbcUrl() {
        String[] h = hosts.split(",");
        String[] p = ports.split(",");
        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        for (int i = 0; i < h.length; i++) {
            url.append(i == 0 ? "" : ",").append(h[i]).append(':').append(p[Math.min(i, p.length - 1)]);
        }
        url.append('/').append(URLEncoder.encode(database, StandardCharsets.UTF_8));
        String sep = "?";
        for (Map.Entry<String, String> e : params.entrySet()) {
            url.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = "&";
        }
        return url.toString();
    }

    /** A connection of its own (not from the pool): backups hold theirs for minutes. */
    public Connection connect(String applicationName) throws SQLException {
        Properties props = new Properties();
        user.ifPresent(u -> props.setProperty("user", u));
        password.ifPresent(pw -> props.setProperty("password", pw));
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(jdbcUrl(), props);
    }

    /**
     * The libpq environment of a tool run against this database. The caller starts from an
     * environment with every other {@code PG*} variable removed, so nothing of the operator's shell
     * (PGSERVICE, PGOPTIONS…) changes what the tool connects to or how.
     */
    public Map<String, String> libpqEnvironment(String applicationName) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", hosts);
        env.put("PGPORT", ports);
        env.put("PGDATABASE", database);
        user.ifPresent(u -> env.put("PGUSER", u));
        password.ifPresent(pw -> env.put("PGPASSWORD", pw));
        env.put("PGAPPNAME", applicationName);
        LIBPQ_VARIABLES.forEach((jdbc, libpq) -> {
            String v = params.get(jdbc);
            if (v != null) {
                env.put(libpq, v);
            }
        });
        String sessionAttrs = TARGET_SESSION_ATTRS.get(params.getOrDefault("targetServerType", ""));
        if (sessionAttrs != null) {
            env.put("PGTARGETSESSIONATTRS", sessionAttrs);
        }
        return env;
    }

    /** Host, port and database, safe to print (no password). */
    public String describe() {
        return "database " + database + " on " + hosts + ":" + ports + user.map(u -> " as " + u).orElse("");
    }

    @Override
    public String toString() {
        return "PgTarget[" + describe() + "]";
    }
}
