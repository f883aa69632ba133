package com.levqor.backups;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a restore drill restores to: a database {@code levqor_restore_verify_<time>} created on the
 * live database's server (same encoding and collation) and dropped after, or, when
 * {@code RESTORE_VERIFY_DATABASE_URL} is set (a user that cannot create databases), that database,
 * emptied before and after. It is never the live database: that is checked before anything is dropped.
 */
final class ScratchDatabase implements AutoCloseable {
    static final String PREFIX = "levqor_restore_verify_";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

    private final PgTarget live;
    private final PgTarget scratch;
    private final boolean created;

    private ScratchDatabase(PgTarget live, PgTarget scratch, boolean created) {
        this.live = live;
        this.scratch = scratch;
        this.created = created;
    }

    /** Creates the scratch database, or empties the configured one. */
    static ScratchDatabase open(PgTarget live, Optional<PgTarget> configured, Instant now) throws SQLException,
            BackupFailedException {
        if (configured.isPresent()) {
            ScratchDatabase s = new ScratchDatabase(live, configured.get(), false);
            s.refuseLiveDatabase();
            s.empty();
            return s;
        }
        String name = PREFIX + STAMP.format(now);
        try (Connection c = live.connect("levqor-restore-verify"); Statement st = c.createStatement()) {
            String encoding;
            String collate;
            String ctype;
            try (ResultSet r = st.executeQuery("select pg_encoding_to_char(encoding), datcollate, datctype "
                    + "from pg_database where datname = current_database()")) {
                r.next();
                encoding = r.getString(1);
                collate = r.getString(2);
                ctype = r.getString(3);
            }
            st.execute("drop database if exists " + ident(name) + " with (force)");
            st.execute("create database " + ident(name) + " template template0 encoding " + literal(encoding)
                    + " lc_collate " + literal(collate) + " lc_ctype " + literal(ctype));
        } catch (SQLException e) {
            throw new BackupFailedException("Could not create the scratch database " + name + " on the server of "
                    + live.describe() + " (" + e.getMessage() + "); a user that cannot create databases needs "
                    + "RESTORE_VERIFY_DATABASE_URL", e);
        }
        return new ScratchDatabase(live, live.withDatabase(name), true);
    }

    PgTarget target() {
        return scratch;
    }

    String name() {
        return scratch.database();
    }

    /** Drops the scratch database, or empties the configured one. */
    @Override
    public void close() throws SQLException {
        if (created) {
            try (Connection c = live.connect("levqor-restore-verify"); Statement st = c.createStatement()) {
                st.execute("drop database if exists " + ident(scratch.database()) + " with (force)");
            }
        } else {
            empty();
        }
    }

    /** Same server (port and start time) and same database name: the live one. */
    private void refuseLiveDatabase() throws SQLException, BackupFailedException {
        String query = "select current_database() || '@' || coalesce(inet_server_port(), 0) || '@' "
                + "|| pg_postmaster_start_time()";
        String a;
        String b;
        try (Connection c = live.connect("levqor-restore-verify"); Statement st = c.createStatement();
             ResultSet r = st.executeQuery(query)) {
            r.next();
            a = r.getString(1);
        }
        try (Connection c = scratch.connect("levqor-restore-verify"); Statement st = c.createStatement();
             ResultSet r = st.executeQuery(query)) {
            r.next();
            b = r.getString(1);
        }
        if (a.equals(b)) {
            throw new BackupFailedException("RESTORE_VERIFY_DATABASE_URL names the live database (" + live.describe()
                    + "): restore-verify empties that database, so it must be another one");
        }
    }

    /** Drops every schema of the database (the dump recreates what it needs) and recreates public. */
    private void empty() throws SQLException {
        try (Connection c = scratch.connect("levqor-restore-verify"); Statement st = c.createStatement()) {
            List<String> schemas = new ArrayList<>();
            try (ResultSet r = st.executeQuery("select format('%I', nspname) from pg_namespace "
                    + "where nspname <> 'information_schema' and nspname !~ '^pg_'")) {
                while (r.next()) {
                    schemas.add(r.getString(1));
                }
            }
            for (String s : schemas) {
                st.execute("drop schema " + s + " cascade");
            }
            st.execute("create schema public");
        }
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
