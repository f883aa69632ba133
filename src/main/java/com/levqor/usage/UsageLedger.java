package com.levqor.usage;

import static com.levqor.db.jooq.Tables.USAGE_DAILY;

import com.levqor.accounts.Plan;
import com.levqor.config.QueueSettings;
import com.levqor.db.ArrayColumns;
import com.levqor.db.FixedSql;
import com.levqor.db.Jdbc;
import com.levqor.db.jooq.Routines;
import com.levqor.runtime.Once;
import java.sql.Connection;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.exception.DataAccessException;

/**
 * Each account's daily job budget and the units it spent (table {@code usage_daily}, one row per
 * account and UTC day). Intake charges a batch in one of two ways: optimistically, after writing
 * its jobs, only if every account stays within its budget ({@link #chargeWithinBudgets}, or
 * {@link #chargeStep} inside the jobs' own statement), so a usage row is locked for the commit only;
 * or, when an account would go over, with the usage rows locked first ({@link #lockFirst}) and
 * decided request by request. Rows are always locked in account order ({@link Charges}).
 */
public final class UsageLedger {
    /** SQLSTATE of {@code levqor_assert} (migration V5) in {@link #chargeStep}: an account would pass its budget. */
    private static final String OVER_BUDGET = "LQ402";

    private final DSLContext db;
    private final Clock clock;
    private final long freeBudget;
    private final long proBudget;
    /** The conditional upsert, rendered at its first use or by {@link #prepareStatements}. */
    private final Once<FixedSql> charge;

    public UsageLedger(DSLContext db, Clock clock, QueueSettings settings) {
        this.db = db;
        this.clock = clock;
        this.freeBudget = settings.budgetFreeUnits();
        this.proBudget = settings.budgetProUnits();
        this.charge = new Once<>(() -> chargeStatement(db));
    }

    private static FixedSql chargeStatement(DSLContext db) {
        Field<Long> units = DSL.param("units", USAGE_DAILY.UNITS);
        return FixedSql.of(db, DSL.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                .values(DSL.param("account", USAGE_DAILY.ACCOUNT_ID), DSL.param("day", USAGE_DAILY.DAY), units)
                .onConflict(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY)
                .doUpdate().set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)))
                .where(USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)).le(DSL.param("budget", Long.class)))
                .returningResult(USAGE_DAILY.UNITS));
    }

    /** Renders the statement now rather than at its first use (called once the server answers). */
    public void prepareStatements() {
        charge.get();
    }

    /** The daily budget in units of a plan ({@code BUDGET_FREE_UNITS_PER_DAY}, {@code BUDGET_PRO_UNITS_PER_DAY}). */
    public long budget(Plan plan) {
        return plan == Plan.PRO ? proBudget : freeBudget;
    }

    /** The UTC day an instant is charged to. */
    public static LocalDate day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }

    /** Whether each account's charge fits its whole budget (if not, no optimistic charge can succeed). */
    public boolean fitsBudgets(Charges charges) {
        for (Map.Entry<UUID, Charges.Account> a : charges.accounts()) {
            if (a.getValue().units > budget(a.getValue().plan)) {
                return false;
            }
        }
        return true;
    }

    /** Today's units spent by an account. */
    public long unitsUsedToday(UUID accountId) {
        Long v = db.select(USAGE_DAILY.UNITS).from(USAGE_DAILY).where(USAGE_DAILY.ACCOUNT_ID.eq(accountId))
                .and(USAGE_DAILY.DAY.eq(day(clock.instant()))).fetchOne(USAGE_DAILY.UNITS);
        return v == null ? 0 : v;
    }

    // ---------------------------------------------------------------- optimistic: charged last, if it fits

    /**
     * The charge as part of a statement that writes something else first: a common table expression
     * {@code ch} that adds each account's units (parameters {@code b_account}, {@code b_units},
     * {@code day}; bind them with {@link #bindCharge}) and a select-list field that fails the
     * statement with SQLSTATE {@value #OVER_BUDGET} ({@link #overBudget}), so that it writes nothing,
     * when a new total would pass its account's budget ({@code b_budget}).
     */
    public record ChargeStep(CommonTableExpression<Record2<UUID, Long>> cte, Field<Boolean> withinBudgets) {
    }

    /** See {@link ChargeStep}; built once per statement (jOOQ's builders are mutable). */
    public static ChargeStep chargeStep() {
        ArrayColumns b = new ArrayColumns("b");
        Field<UUID> bAccount = b.column("b_account", SQLDataType.UUID);
        Field<Long> bUnits = b.column("b_units", SQLDataType.BIGINT);
        CommonTableExpression<Record2<UUID, Long>> ch = DSL.name("ch").as(
                DSL.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                        .select(DSL.select(bAccount, DSL.param("day", USAGE_DAILY.DAY), bUnits).from(b.rows()))
                        .onConflict(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY)
                        .doUpdate().set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(DSL.excluded(USAGE_DAILY.UNITS)))
                        .returningResult(USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.UNITS));
        ArrayColumns budgets = new ArrayColumns("g"); // the same accounts again, with their budgets
        Field<UUID> gAccount = budgets.column("b_account", SQLDataType.UUID);
        Field<Long> gBudget = budgets.column("b_budget", SQLDataType.BIGINT);
        Field<Boolean> within = Routines.levqorAssert(DSL.notExists(DSL.selectOne().from(ch).join(budgets.rows())
                        .on(gAccount.eq(ch.field(USAGE_DAILY.ACCOUNT_ID)))
                        .where(ch.field(USAGE_DAILY.UNITS).gt(gBudget))),
                DSL.inline("over budget"));
        return new ChargeStep(ch, within);
    }

    /** Binds the parameters of a {@link #chargeStep} to these charges for that day. */
    public void bindCharge(FixedSql.Bound s, Charges charges, LocalDate day) {
        int n = charges.size();
        UUID[] accounts = new UUID[n];
        Long[] units = new Long[n];
        Long[] budgets = new Long[n];
        int i = 0;
        for (Map.Entry<UUID, Charges.Account> a : charges.accounts()) {
            accounts[i] = a.getKey();
            units[i] = a.getValue().units;
            budgets[i] = budget(a.getValue().plan);
            i++;
        }
        s.set("b_account", accounts).set("b_units", units).set("b_budget", budgets).set("day", day);
    }

    /** Whether a statement with a {@link #chargeStep} failed because an account would pass its budget. */
    public static boolean overBudget(DataAccessException e) {
        return OVER_BUDGET.equals(e.sqlState());
    }

    /**
     * Adds the charges, one conditional upsert per account in account order, each only if the new
     * total stays within the budget. Returns false at the first account that would pass it: the
     * transaction has then charged some accounts and must be rolled back.
     */
    public boolean chargeWithinBudgets(Connection c, Charges charges, LocalDate day) {
        try (FixedSql.Bound s = charge.get().prepare(c)) {
            for (Map.Entry<UUID, Charges.Account> a : charges.accounts()) {
                s.set("account", a.getKey()).set("day", day).set("units", a.getValue().units)
                        .set("budget", budget(a.getValue().plan));
                if (s.fetch(rs -> rs.getLong(1)).isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- lock first: decide request by request

    /**
     * Locks the usage rows of the charged accounts for the day (creating them at 0), in account
     * order, and returns each account's units left (its budget minus what it spent; may be negative
     * after a budget was lowered). Inside a transaction: the rows stay locked until it ends.
     */
    public Map<UUID, Long> lockFirst(Connection c, Charges charges, LocalDate day) {
        DSLContext x = Jdbc.dsl(db, c);
        Map<UUID, Long> remaining = new HashMap<>();
        for (Map.Entry<UUID, Charges.Account> a : charges.accounts()) {
            UUID account = a.getKey();
            x.insertInto(USAGE_DAILY, USAGE_DAILY.ACCOUNT_ID, USAGE_DAILY.DAY, USAGE_DAILY.UNITS)
                    .values(account, day, 0L).onConflictDoNothing().execute();
            Long used = x.select(USAGE_DAILY.UNITS).from(USAGE_DAILY)
                    .where(USAGE_DAILY.ACCOUNT_ID.eq(account)).and(USAGE_DAILY.DAY.eq(day))
                    .forUpdate().fetchOne(USAGE_DAILY.UNITS);
            remaining.put(account, budget(a.getValue().plan) - (used == null ? 0 : used));
        }
        return remaining;
    }

    /** Adds the charges to rows locked by {@link #lockFirst} (decided already, so unconditionally). */
    public void add(Connection c, Charges charges, LocalDate day) {
        DSLContext x = Jdbc.dsl(db, c);
        for (Map.Entry<UUID, Charges.Account> a : charges.accounts()) {
            x.update(USAGE_DAILY).set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.plus(a.getValue().units))
                    .where(USAGE_DAILY.ACCOUNT_ID.eq(a.getKey())).and(USAGE_DAILY.DAY.eq(day)).execute();
        }
    }

    /** Gives back units charged by {@link #add} for work that was not done after all. */
    public void refund(Connection c, Charges refunds, LocalDate day) {
        DSLContext x = Jdbc.dsl(db, c);
        for (Map.Entry<UUID, Charges.Account> a : refunds.accounts()) {
            x.update(USAGE_DAILY).set(USAGE_DAILY.UNITS, USAGE_DAILY.UNITS.minus(a.getValue().units))
                    .where(USAGE_DAILY.ACCOUNT_ID.eq(a.getKey())).and(USAGE_DAILY.DAY.eq(day)).execute();
        }
    }
}
