package com.levqor.cli;

import com.levqor.accounts.Account;
import com.levqor.accounts.AccountService;
import com.levqor.accounts.Plan;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code levqor accounts create|list}. */
@Command(name = "accounts", mixinStandardHelpOptions = true, description = "Create and list accounts.",
        subcommands = {AccountsCommand.Create.class, AccountsCommand.ListAccounts.class})
public final class AccountsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create an account and print its first API key (shown only once).")
    static final class Create extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--email", required = true, description = "The account's email address.")
        String email;
        @Option(names = "--plan", defaultValue = "free", description = "free or pro (default: ${DEFAULT-VALUE}).")
        String plan;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Plan p = Plan.fromWire(plan).orElse(null);
            if (p == null) {
                err.println("levqor: --plan must be free or pro, not '" + plan + "'");
                return 2;
            }
            if (!email.matches("[^@\\s]+@[^@\\s]+")) {
                err.println("levqor: --email must be an email address like ops@example.com, not '" + email + "'");
                return 2;
            }
            return Cli.withDatabase(env, err, db -> {
                AccountService.Created c;
                try {
                    c = new AccountService(db.dsl(), Clock.systemUTC()).create(email, p);
                } catch (com.levqor.accounts.AccountExistsException e) {
                    err.println("levqor: " + e.getMessage());
                    return 1;
                }
                out.println("account_id: " + c.accountId());
                out.println("email:      " + c.email());
                out.println("plan:       " + c.plan());
                out.println("api_key:    " + c.apiKey());
                out.println("(the API key is shown only now; store it safely)");
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List accounts and their keys.")
    static final class ListAccounts extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--limit", defaultValue = "1000", description = "At most this many accounts.")
        int limit;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return Cli.withDatabase(env, spec.commandLine().getErr(), db -> {
                java.util.List<Account> all = new AccountService(db.dsl(), Clock.systemUTC()).list(limit);
                out.printf("%-36s  %-5s  %-24s  %s%n", "ACCOUNT_ID", "PLAN", "CREATED_AT", "EMAIL / KEYS");
                for (Account a : all) {
                    out.printf("%-36s  %-5s  %-24s  %s%n", a.accountId(), a.plan(), a.createdAt(), a.email());
                    for (Account.KeyInfo k : a.keys()) {
                        out.printf("%-36s  %-5s  %-24s    key %s%s%n", "", "", "", k.prefix(),
                                k.revokedAt() == null ? " (active)" : " (revoked " + k.revokedAt() + ")");
                    }
                }
                out.println(all.size() + " account(s)");
                return 0;
            });
        }
    }
}
