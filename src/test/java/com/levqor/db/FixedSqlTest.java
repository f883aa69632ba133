package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;

/** Statements rendered once and bound by name, arrays included, against a real Postgres. */
class FixedSqlTest {
    private static final DSLContext DSL_PG = DSL.using(SQLDialect.POSTGRES);

    @Test
    void namedParametersBecomePlaceholdersButTextInQuotesIsLeftAlone() {
        FixedSql sql = FixedSql.of(DSL_PG, DSL.select(DSL.inline("a :b 'c' :: d"), DSL.param("x", SQLDataType.INTEGER),
                DSL.param("x", SQLDataType.INTEGER).plus(DSL.param("y", SQLDataType.INTEGER))));
        assertThat(sql.sql()).contains("'a :b ''c'' :: d'");
        assertThat(sql.sql().chars().filter(c -> c == '?').count()).isEqualTo(3);
        assertThat(sql.sql()).doesNotContain(":x").doesNotContain(":y");
    }

    @Test
    void anUnnamedBindValueIsRefusedAtOnce() {
        assertThatThrownBy(() -> FixedSql.of(DSL_PG, DSL.select(DSL.val(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no name");
    }

    @Test
    void arraysOfEveryBoundTypeRoundTripThroughUnnest() throws Exception {
        ArrayColumns a = new ArrayColumns("u");
        Field<UUID> id = a.column("ids", SQLDataType.UUID);
        Field<String> text = a.column("texts", SQLDataType.CLOB);
        Field<Integer> n = a.column("ints", SQLDataType.INTEGER);
        Field<Short> small = a.column("smalls", SQLDataType.SMALLINT);
        Field<OffsetDateTime> at = a.column("times", SQLDataType.TIMESTAMPWITHTIMEZONE(6));
        FixedSql sql = FixedSql.of(DSL_PG, DSL.select(id, text, n, small, at, DSL.param("k", SQLDataType.CLOB))
                .from(a.rows()));
        UUID u1 = UUID.randomUUID();
        OffsetDateTime t = OffsetDateTime.of(2030, 1, 2, 3, 4, 5, 123_456_000, ZoneOffset.UTC);
        try (Connection c = DriverManager.getConnection(TestPostgres.newDatabase());
             FixedSql.Bound s = sql.prepare(c)) {
            List<String> rows = s.set("ids", new UUID[] {u1, null}).set("texts", new String[] {"a'b,\"c\"", null})
                    .set("ints", new Integer[] {7, null}).set("smalls", new Short[] {(short) 2, null})
                    .set("times", new OffsetDateTime[] {t, null}).set("k", "same")
                    .fetch(rs -> rs.getObject(1, UUID.class) + "|" + rs.getString(2) + "|" + rs.getObject(3) + "|"
                            + rs.getObject(4) + "|" + rs.getObject(5, OffsetDateTime.class) + "|" + rs.getString(6));
            assertThat(rows).containsExactly(
                    u1 + "|a'b,\"c\"|7|2|" + t.withOffsetSameInstant(ZoneOffset.UTC) + "|same",
                    "null|null|null|null|null|same");
        }
    }

    @Test
    void anUnknownParameterNameFails() {
        FixedSql sql = FixedSql.of(DSL_PG, DSL.select(DSL.param("x", SQLDataType.INTEGER)));
        try (Connection c = DriverManager.getConnection(TestPostgres.newDatabase());
             FixedSql.Bound s = sql.prepare(c)) {
            assertThatThrownBy(() -> s.set("nope", 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("nope");
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }
}
