package com.levqor.usage;

import static com.levqor.db.jooq.Tables.USAGE_DAILY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Plan;
import com.levqor.config.QueueSettings;
import com.levqor.config.Settings;
import com.levqor.db.FixedSql;
import com.levqor.db.Jdbc;
import com.levqor.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ledger against a real database: budgets by plan, the optimistic charge (within the budget or
 * not at all), the charge inside another statement (LQ402 writes nothing), the lock-first path
 * (rows locked, units left, charge and refund) and today's units.
 */
class UsageLedgerTest {
    static final Instant NOON = Instant.parse("2030-06-01T12:00:00Z");
    static final LocalDate DAY = LocalDate.of(2030, 6, 1);
    static DataSource direct;
    static DSLContext db;
    static UsageLedger ledger;
    static AccountService accounts;

    @BeforeAll
    static void database() throws Exception {
        direct = TestPostgres.dataSource(TestPostgres.newDatabase());
        db = DSL.using(direct, SQLDialect.POSTGRES);
        QueueSettings settings = Settings.parse(Map.of("BUDGET_FREE_UNITS_PER_DAY", "10",
                "BUDGET_PRO_UNITS_PER_DAY", "50")).queue();
        ledger = new UsageLedger(db, Clock.fixed(NOON, ZoneOffset.UTC), settings);
        accounts = new AccountService(db, Clock.systemUTC());
    }

    private static UUID account(String email) {
        return accounts.create(email, Plan.FREE).accountId();
    }

    private static long units(UUID account, LocalDate day) {
        Long v = db.select(USAGE_DAILY.UNITS).from(USAGE_DAILY).where(USAGE_DAILY.ACCOUNT_ID.eq(account))
                .and(USAGE_DAILY.DAY.eq(day)).fetchOne(USAGE_DAILY.UNITS);
        return v == null ? 0 : v;
    }

    @Test
    void eachPlanHasItsBudgetFromTheSettings() {
        assertThat(ledger.budget(Plan.FREE)).isEqualTo(10);
        assertThat(ledger.budget(Plan.PRO)).isEqualTo(50);
        UUID a = UUID.randomUUID();
        assertThat(ledger.fitsBudgets(new Charges().add(a, Plan.FREE, 10))).isTrue();
        assertThat(ledger.fitsBudgets(new Charges().add(a, Plan.FREE, 6).add(a, Plan.FREE, 5))).isFalse();
        assertThat(ledger.fitsBudgets(new Charges().add(a, Plan.PRO, 11))).isTrue();
        assertThat(UsageLedger.day(Instant.parse("2030-06-01T23:59:59Z"))).isEqualTo(DAY);
    }

    @Test
    void anOptimisticChargeLandsWithinTheBudgetAndIsRefusedBeyondIt() {
        UUID a = account("ledger-optimistic-a@example.com");
        UUID b = account("ledger-optimistic-b@example.com");
        boolean fit = Jdbc.transaction(db, c -> ledger.chargeWithinBudgets(c,
                new Charges().add(a, Plan.FREE, 4).add(b, Plan.FREE, 10), DAY));
        assertThat(fit).isTrue();
        assertThat(units(a, DAY)).isEqualTo(4);
        assertThat(units(b, DAY)).isEqualTo(10);

        boolean again = Jdbc.transaction(db, c -> ledger.chargeWithinBudgets(c, new Charges().add(a, Plan.FREE, 7), DAY));
        assertThat(again).isFalse(); // 4 + 7 > 10: the row is not updated
        assertThat(units(a, DAY)).isEqualTo(4);
        assertThat(units(a, DAY.plusDays(1))).isZero();
    }

    @Test
    void theChargeInsideAnotherStatementWritesNothingWhenAnAccountWouldGoOver() {
        UUID a = account("ledger-step@example.com");
        UsageLedger.ChargeStep step = UsageLedger.chargeStep();
        FixedSql sql = FixedSql.of(db, DSL.with(step.cte()).select(step.withinBudgets()));
        Jdbc.withConnection(db, c -> {
            try (FixedSql.Bound s = sql.prepare(c)) {
                ledger.bindCharge(s, new Charges().add(a, Plan.FREE, 9), DAY);
                return s.fetch(rs -> rs.getBoolean(1));
            }
        });
        assertThat(units(a, DAY)).isEqualTo(9);
        assertThatThrownBy(() -> Jdbc.withConnection(db, c -> {
            try (FixedSql.Bound s = sql.prepare(c)) {
                ledger.bindCharge(s, new Charges().add(a, Plan.FREE, 2), DAY);
                return s.fetch(rs -> rs.getBoolean(1));
            }
        })).isInstanceOfSatisfying(DataAccessException.class, e -> assertThat(UsageLedger.overBudget(e)).isTrue());
        assertThat(units(a, DAY)).isEqualTo(9);
    }

    @Test
    void lockFirstHoldsTheRowsAndTellsWhatIsLeftThenChargesAndRefunds() throws Exception {
        UUID a = account("ledger-lock-a@example.com");
        UUID b = accounts.create("ledger-lock-b@example.com", Plan.PRO).accountId();
        Jdbc.transaction(db, c -> ledger.chargeWithinBudgets(c, new Charges().add(a, Plan.FREE, 3), DAY));
        try (Connection other = direct.getConnection()) {
            Jdbc.transaction(db, c -> {
                Map<UUID, Long> left = ledger.lockFirst(c, new Charges().add(a, Plan.FREE, 1).add(b, Plan.PRO, 1), DAY);
                assertThat(left).containsEntry(a, 7L).containsEntry(b, 50L); // b: its row was created at 0
                assertThat(locked(other, a)).as("a's row is locked by the ledger's transaction").isTrue();
                ledger.add(c, new Charges().add(a, Plan.FREE, 5).add(b, Plan.PRO, 2), DAY);
                ledger.refund(c, new Charges().add(a, Plan.FREE, 1), DAY);
                return null;
            });
            assertThat(locked(other, a)).isFalse();
        }
        assertThat(units(a, DAY)).isEqualTo(7);
        assertThat(units(b, DAY)).isEqualTo(2);
    }

    @Test
    void unitsUsedTodayCountsTheClocksUtcDayOnly() {
        UUID a = account("ledger-today@example.com");
        Jdbc.transaction(db, c -> ledger.chargeWithinBudgets(c, new Charges().add(a, Plan.FREE, 2), DAY.minusDays(1)));
        assertThat(ledger.unitsUsedToday(a)).isZero();
        Jdbc.transaction(db, c -> ledger.chargeWithinBudgets(c, new Charges().add(a, Plan.FREE, 5), DAY));
        assertThat(ledger.unitsUsedToday(a)).isEqualTo(5);
    }

    /** Whether the account's usage row is locked: an update with no wait fails. */
    private static boolean locked(Connection other, UUID account) throws SQLException {
        other.setAutoCommit(false);
        try (PreparedStatement u = other.prepareStatement(
                "select 1 from usage_daily where account_id = ? for update nowait")) {
            u.setObject(1, account);
            u.executeQuery().close();
            return false;
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                return true;
            }
            throw e;
        } finally {
            other.rollback();
            other.setAutoCommit(true);
        }
    }
}
