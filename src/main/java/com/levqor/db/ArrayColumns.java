package com.levqor.db;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Many rows as one bind value per column: each column travels as one array parameter and
 * {@code unnest(a1, a2, …)} turns them back into rows. The SQL text is the same for any number of
 * rows, so jOOQ renders a handful of parameters instead of rows × columns, and Postgres reuses one
 * prepared statement for every batch size. Define every {@link #column} before taking {@link #rows}.
 */
public final class ArrayColumns<R> {
    private static final String ALIAS = "u";
    private final List<R> rows;
    private final List<Field<?>> arrays = new ArrayList<>();

    public ArrayColumns(List<R> rows) {
        this.rows = rows;
    }

    /** The column of each row's {@code value}; it travels as one array parameter. */
    @SuppressWarnings("unchecked")
    public <T> Field<T> column(DataType<T> type, Function<R, T> value) {
        T[] values = (T[]) Array.newInstance(type.getType(), rows.size());
        for (int k = 0; k < values.length; k++) {
            values[k] = value.apply(rows.get(k));
        }
        arrays.add(DSL.val(values, type.getArrayDataType()));
        return DSL.field(DSL.name(ALIAS, "c" + arrays.size()), type);
    }

    /**
     * The table to select the columns from: one row per element. Postgres' multi-argument
     * {@code unnest} (in FROM) has no typed jOOQ API, hence the one-word template.
     */
    public Table<?> rows() {
        String[] names = new String[arrays.size()];
        for (int k = 0; k < names.length; k++) {
            names[k] = "c" + (k + 1);
        }
        return DSL.table("unnest({0})", DSL.list(arrays.toArray(Field[]::new))).as(ALIAS, names);
    }
}
