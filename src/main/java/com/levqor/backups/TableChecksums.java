package com.levqor.backups;

import com.levqor.backups.DatabaseContent.SequenceValue;
import com.levqor.backups.DatabaseContent.TableSum;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
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
 * <p>A table's checksum is a sum over its rows of a 64-bit hash of each row; Postgres sums bigints
 * into a numeric, so nothing overflows. A sum does not depend on the order rows are read in, and it
 * is one aggregate: the server holds one running total per table, whatever the table's size (never a
 * {@code string_agg} of the table). The hash is, by preference, {@code hash_record_extended(row, 0)}
 * ({@code hash:} checksums): each column hashed by its type's own hash function, on the stored value,
 * without turning it into text. That costs a fraction of the text form (a million jobs: about 2 s
 * against 7 s for MD5 of the text, measured on a busy machine; run beside pg_dump it adds next to
 * nothing, the text form about half of pg_dump's time again). These are the hash functions of hash
 * partitioning, kept the same across Postgres versions; they differ only between big- and
 * little-endian machines, which backup and verification never mix in practice (the scratch database
 * is on the same server). Values that Postgres holds equal hash equal ({@code 0} and {@code -0},
 * {@code 1.5} and {@code 1.50}): a restore cannot change data without changing a hash but for those.
 * A table with a column type that has no hash function ({@code json}, {@code point}, {@code xml}…)
 * falls back, in a savepoint, to the first 64 bits of the MD5 of the row's text form ({@code md5:}
 * checksums); so does every table on Postgres 13, which lacks {@code hash_record_extended}. Both
 * sides of a comparison make the same choice for the same table.
 *
 * <p>A row's text form must be the same before and after a dump and restore: the session settings
 * that change it are pinned ({@link #pinSession}): time zone, interval style, float digits (3: the
 * shortest text that reads back to the same float), bytea output, money's locale. jsonb is normalised
 * when stored, so its text form is the same however the dump wrote it.
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

    /** "could not identify an extended hash function for type json", or no hash_record_extended (Postgres 13). */
    private static final String UNDEFINED_FUNCTION = "42883";

    private TableChecksums() {
    }

    /** Pins the session settings that a row's text form depends on (and lifts any statement timeout). */
    public static void pinSession(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(SETTINGS);
        }
    }

    /**
     * Tables, schema version and, when {@code withSequences}, sequences. Runs in the connection's
     * transaction, or in one of its own when it has none (a fallback needs a savepoint).
     */
    public static DatabaseContent read(Connection c, boolean withSequences) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        if (autoCommit) {
            c.setAutoCommit(false);
        }
        try {
            return readInTransaction(c, withSequences);
        } finally {
            if (autoCommit) {
                c.rollback(); // it only read
                c.setAutoCommit(true);
            }
        }
    }

    private static DatabaseContent readInTransaction(Connection c, boolean withSequences) throws SQLException {
        SortedMap<String, TableSum> tables = new TreeMap<>();
        for (String table : relations(c, "r")) {
            tables.put(table, checksum(c, table));
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

    /** By the type hash functions, or, where a column type has none, by MD5 of the row's text. */
    private static TableSum checksum(Connection c, String table) throws SQLException {
        Savepoint before = c.setSavepoint();
        try {
            TableSum sum = sum(c, "hash:", "select count(*), coalesce(sum(hash_record_extended(x, 0)), 0)::text from "
                    + table + " x");
            c.releaseSavepoint(before);
            return sum;
        } catch (SQLException e) {
            if (!UNDEFINED_FUNCTION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(before);
            return sum(c, "md5:", "select count(*), coalesce(sum(('x' || substr(md5(row(x.*)::text), 1, 16))"
                    + "::bit(64)::bigint), 0)::text from " + table + " x");
        }
    }

    private static TableSum sum(Connection c, String method, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return new TableSum(r.getLong(1), method + r.getString(2));
        }
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
