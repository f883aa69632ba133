package com.levqor.backups;

import com.levqor.backups.DatabaseContent.SequenceValue;
import com.levqor.backups.DatabaseContent.TableSum;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads a database's {@link DatabaseContent}: every table's row count and content checksum, its
 * sequences and its Flyway version, on the connection given (inside the backup's snapshot, or on the
 * restored copy).
 *
 * <p>The checksum of a table is {@code sum(h(row))} over its rows, where {@code h} is the first 64
 * bits of the MD5 of the row's text form, as a signed bigint; Postgres sums bigints into a numeric,
 * so nothing overflows. A sum does not depend on the order rows are read in, and it is one
 * aggregate: the server holds one running total per table, whatever the table's size (never a
 * {@code string_agg} of the table). MD5 rather than {@code hashtext}: its value is the same on every
 * platform and every Postgres version (a backup may be verified on another machine, or after an
 * upgrade), while the internal hash functions promise neither.
 *
 * <p>A row's text form must be the same before and after a dump and restore: the session settings
 * that change it are pinned ({@link #pinSession}): time zone, date and interval styles, float digits
 * (3: the shortest text that reads back to the same float), bytea output, money's locale. jsonb is
 * normalised when stored, so its text form is the same however the dump wrote it.
 *
 * <p>The queries are built from the catalog (the tables are whatever the database has, not the
 * generated jOOQ classes), so they are plain SQL; every name comes from the catalog, quoted by
 * Postgres's own {@code format('%I.%I')}.
 */
public final class TableChecksums {
    private static final String SETTINGS = "set time zone 'UTC'; set datestyle = 'ISO, YMD'; "
            + "set intervalstyle = 'postgres'; set extra_float_digits = 3; set bytea_output = 'hex'; "
            + "set lc_monetary = 'C'; set statement_timeout = 0; set idle_in_transaction_session_timeout = 0";

    /** Tables and sequences of the user's schemas, not those of extensions. */
    private static final String RELATIONS = "select format('%I.%I', n.nspname, c.relname) "
            + "from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            + "where c.relkind = ? and n.nspname <> 'information_schema' and n.nspname !~ '^pg_' "
            + "and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::regclass "
            + "and d.objid = c.oid and d.deptype = 'e') order by 1";

    private TableChecksums() {
    }

    /** Pins the session settings that a row's text form depends on (and lifts any statement timeout). */
    public static void pinSession(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(SETTINGS);
        }
    }

    /** Tables, schema version and, when {@code withSequences}, sequences. */
    public static DatabaseContent read(Connection c, boolean withSequences) throws SQLException {
        SortedMap<String, TableSum> tables = new TreeMap<>();
        for (String table : relations(c, "r")) {
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select count(*), coalesce(sum(('x' || substr(md5(row(x.*)::text), 1, 16))"
                         + "::bit(64)::bigint), 0)::text from " + table + " x")) {
                r.next();
                tables.put(table, new TableSum(r.getLong(1), r.getString(2)));
            }
        }
        SortedMap<String, SequenceValue> sequences = new TreeMap<>();
        if (withSequences) {
            for (String seq : relations(c, "S")) {
                try (Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("select last_value, is_called from " + seq)) {
                    r.next();
                    sequences.put(seq, new SequenceValue(r.getLong(1), r.getBoolean(2)));
                }
            }
        }
        return new DatabaseContent(tables, sequences, schemaVersion(c));
    }

    private static List<String> relations(Connection c, String relkind) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var ps = c.prepareStatement(RELATIONS)) {
            ps.setString(1, relkind);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
        }
        return out;
    }

    /** The version of the newest successful Flyway migration, or null without Flyway's table. */
    static String schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet exists = s.executeQuery("select to_regclass('public.flyway_schema_history') is not null")) {
            exists.next();
            if (!exists.getBoolean(1)) {
                return null;
            }
        }
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select version from public.flyway_schema_history "
                     + "where success and version is not null order by installed_rank desc limit 1")) {
            return r.next() ? r.getString(1) : null;
        }
    }

    /** The server's major version ({@code server_version_num} 150015 is 15). */
    public static int serverMajor(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("show server_version_num")) {
            r.next();
            return Integer.parseInt(r.getString(1).trim()) / 10_000;
        }
    }

    /** The server's version as it names itself ({@code 15.15}). */
    public static String serverVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("show server_version")) {
            r.next();
            return r.getString(1);
        }
    }
}
