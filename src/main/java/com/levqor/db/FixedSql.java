package com.levqor.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.conf.ParamType;
import org.jooq.exception.DataAccessException;

/**
 * A statement of fixed shape, built with jOOQ from the generated schema and rendered to SQL once,
 * then run with plain JDBC. The hot paths (intake batches, claims, completions) would otherwise spend
 * most of their time rendering the same text and walking jOOQ's execution machinery on every call.
 * Every value is a named parameter ({@code DSL.param(name, type)}); arrays (one per column, see
 * {@link ArrayColumns}) are bound with {@code createArrayOf}. Constants are inlined.
 */
public final class FixedSql {
    private final String sql;
    private final String[] names;
    private final String[] arrayElementTypes;
    private final boolean customPlans;

    private FixedSql(String sql, String[] names, String[] arrayElementTypes, boolean customPlans) {
        this.sql = sql;
        this.names = names;
        this.arrayElementTypes = arrayElementTypes;
        this.customPlans = customPlans;
    }

    /**
     * The same statement planned for each execution's values instead of once for any values. For
     * joins against an unnested array: a generic plan cannot see the array's length and, with a
     * stale estimate of the other side, may compare every element with every row (seen: 66 ms instead
     * of 13 for 500 completions). Planning takes well under a millisecond; batches amortise it.
     */
    public FixedSql plannedPerExecution() {
        return new FixedSql(sql, names, arrayElementTypes, true);
    }

    /** Renders the query once; fails when a bind value has no name (it could not be bound later). */
    public static FixedSql of(DSLContext dsl, Query query) {
        Map<String, Param<?>> params = dsl.extractParams(query);
        String named = dsl.renderContext().paramType(ParamType.NAMED).render(query);
        // Replace each :name with ? (outside quoted text), remembering the names in order.
        StringBuilder sql = new StringBuilder(named.length());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < named.length(); i++) {
            char ch = named.charAt(i);
            if (ch == '\'' || ch == '"') {
                int end = named.indexOf(ch, i + 1);
                while (end > 0 && end + 1 < named.length() && named.charAt(end + 1) == ch) {
                    end = named.indexOf(ch, end + 2); // a doubled quote inside the text
                }
                end = end < 0 ? named.length() - 1 : end;
                sql.append(named, i, end + 1);
                i = end;
            } else if (ch == ':' && i + 1 < named.length() && Character.isJavaIdentifierStart(named.charAt(i + 1))
                    && (i == 0 || named.charAt(i - 1) != ':')) {
                int end = i + 1;
                while (end < named.length() && Character.isJavaIdentifierPart(named.charAt(end))) {
                    end++;
                }
                names.add(named.substring(i + 1, end));
                sql.append('?');
                i = end - 1;
            } else if (ch == ':' && i + 1 < named.length() && Character.isDigit(named.charAt(i + 1))) {
                throw new IllegalArgumentException("a bind value has no name in " + named + ": use DSL.param(name, "
                        + "type) for values and DSL.inline(…) for constants");
            } else {
                sql.append(ch);
            }
        }
        String[] arrays = new String[names.size()];
        for (int i = 0; i < arrays.length; i++) {
            Param<?> p = params.get(names.get(i));
            if (p == null) {
                throw new IllegalArgumentException("unknown parameter :" + names.get(i) + " in " + named);
            }
            DataType<?> type = p.getDataType();
            arrays[i] = type.isArray() ? elementType(type.getArrayComponentType()) : null;
        }
        return new FixedSql(sql.toString(), names.toArray(String[]::new), arrays, false);
    }

    private static String elementType(Class<?> c) {
        if (c == UUID.class) {
            return "uuid";
        } else if (c == String.class || c == OffsetDateTime.class) {
            return "text"; // timestamps travel as ISO text; the SQL casts them
        } else if (c == Integer.class) {
            return "int4";
        } else if (c == Short.class) {
            return "int2";
        } else if (c == Long.class) {
            return "int8";
        }
        throw new IllegalArgumentException("no array binding for " + c.getName());
    }

    public String sql() {
        return sql;
    }

    /** Prepares the statement on a connection; set every parameter, then execute. */
    public Bound prepare(Connection c) {
        try {
            PreparedStatement ps = c.prepareStatement(sql);
            if (customPlans) {
                ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
            }
            return new Bound(c, ps);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** The prepared statement with its parameters being set. */
    public final class Bound implements AutoCloseable {
        private final Connection connection;
        private final PreparedStatement statement;

        private Bound(Connection connection, PreparedStatement statement) {
            this.connection = connection;
            this.statement = statement;
        }

        /** Sets every occurrence of the named parameter (an array parameter takes a Java array). */
        public Bound set(String name, Object value) {
            boolean found = false;
            try {
                for (int i = 0; i < names.length; i++) {
                    if (names[i].equals(name)) {
                        found = true;
                        statement.setObject(i + 1, arrayElementTypes[i] == null ? value
                                : connection.createArrayOf(arrayElementTypes[i], arrayValue((Object[]) value)));
                    }
                }
            } catch (SQLException e) {
                throw translate(e);
            }
            if (!found) {
                throw new IllegalArgumentException("no parameter '" + name + "' in " + sql);
            }
            return this;
        }

        public int execute() {
            try {
                return statement.executeUpdate();
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        /** Runs the statement and maps each row. */
        public <T> List<T> fetch(RowMapper<T> mapper) {
            try (ResultSet rs = statement.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        @Override
        public void close() {
            try {
                statement.close();
            } catch (SQLException e) {
                throw translate(e);
            }
        }
    }

    private static Object[] arrayValue(Object[] values) {
        if (!(values instanceof OffsetDateTime[] times)) {
            return values;
        }
        String[] text = new String[times.length];
        for (int i = 0; i < times.length; i++) {
            text[i] = times[i] == null ? null : times[i].toString();
        }
        return text;
    }

    /** One row of a result. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** The same exception jOOQ throws, so callers and the HTTP error mapping see one kind. */
    public static DataAccessException translate(SQLException e) {
        return new DataAccessException("SQL [" + e.getSQLState() + "]; " + e.getMessage(), e);
    }
}
