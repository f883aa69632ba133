package com.levqor.db;

import java.util.ArrayList;
import java.util.List;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Many rows as one bind value per column: each column travels as one named array parameter and
 * {@code unnest(a1, a2, …)} turns them back into rows. The SQL text is the same for any number of
 * rows, so it is rendered once ({@link FixedSql}) and Postgres reuses one prepared statement for
 * every batch size. Define every {@link #column} before taking {@link #rows}; bind each column's
 * parameter (its name) to a Java array of the column's type, all of the same length.
 */
public final class ArrayColumns {
    private final String alias;
    private final List<Field<?>> arrays = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    /** @param alias the name of the unnested table, unique within the statement */
    public ArrayColumns(String alias) {
        this.alias = alias;
    }

    /** A column whose values are bound as one array parameter named {@code name}. */
    public <T> Field<T> column(String name, DataType<T> type) {
        arrays.add(DSL.param(name, type.getArrayDataType()));
        names.add(name);
        return DSL.field(DSL.name(alias, name), type);
    }

    /**
     * The table to select the columns from: one row per element. Postgres' multi-argument
     * {@code unnest} (in FROM) has no typed jOOQ API, hence the one-word template.
     */
    public Table<?> rows() {
        return DSL.table("unnest({0})", DSL.list(arrays.toArray(Field[]::new))).as(alias, names.toArray(String[]::new));
    }
}
