package com.levqor.usage;

import com.levqor.accounts.Plan;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Units to charge per account, in account order: the order in which every writer locks usage rows,
 * so two writers never deadlock. Each account's budget is its plan's, the plan of the first charge
 * added for it.
 */
public final class Charges {
    private final TreeMap<UUID, Account> byAccount = new TreeMap<>();

    /** One account's units so far and the plan that sets its budget. */
    static final class Account {
        final Plan plan;
        long units;

        Account(Plan plan) {
            this.plan = plan;
        }
    }

    /** Adds units to an account's charge. */
    public Charges add(UUID account, Plan plan, long units) {
        Account a = byAccount.get(account);
        if (a == null) {
            a = new Account(plan);
            byAccount.put(account, a);
        }
        a.units += units;
        return this;
    }

    public boolean isEmpty() {
        return byAccount.isEmpty();
    }

    /** The accounts charged. */
    public int size() {
        return byAccount.size();
    }

    /** The units charged to an account so far (0 when none). */
    public long units(UUID account) {
        Account a = byAccount.get(account);
        return a == null ? 0 : a.units;
    }

    Iterable<Map.Entry<UUID, Account>> accounts() {
        return byAccount.entrySet();
    }
}
