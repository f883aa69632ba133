package com.levqor.cli;

import com.levqor.billing.BillingEffects;
import com.levqor.billing.BillingService;
import com.levqor.billing.StripeGateway;
import com.levqor.config.Settings;
import com.levqor.connectors.Connector;
import com.levqor.db.Database;
import com.levqor.db.Uuids;
import com.levqor.email.Outbox;
import com.levqor.api.ApiException;
import com.levqor.api.Json;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code levqor billing sync [--account ID]}: re-read subscriptions from Stripe and fix plans that drifted. */
@Command(name = "billing", mixinStandardHelpOptions = true, description = "Stripe billing.",
        subcommands = {BillingCommand.Sync.class})
public final class BillingCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "sync", mixinStandardHelpOptions = true,
            description = "Re-read each account's subscription from Stripe and fix plans that drifted (lost webhooks). "
                    + "Needs STRIPE_SECRET_KEY.")
    static final class Sync extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--account", description = "Only this account (its id).")
        String account;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            UUID only = null;
            if (account != null) {
                only = Uuids.parseOrNull(account);
                if (only == null) {
                    err.println("levqor: --account must be an account id (UUID), not '" + account + "'");
                    return 2;
                }
            }
            Settings settings = Cli.settings(env, err);
            if (settings == null) {
                return Cli.badConfig();
            }
            if (settings.billing().secretKey().isEmpty()) {
                err.println("levqor: STRIPE_SECRET_KEY is not set: billing sync reads subscriptions from Stripe");
                return 2;
            }
            Optional<UUID> which = Optional.ofNullable(only);
            try (Database db = Cli.openMigrated(settings)) {
                Clock clock = Clock.systemUTC();
                StripeGateway stripe = new StripeGateway(settings.billing(),
                        new Connector("stripe", true, settings.connectors(), clock), Json.newMapper());
                BillingService billing = new BillingService(settings.billing(), stripe,
                        new BillingEffects(new Outbox(db.dsl(), clock, Json.newMapper()), clock), db.dsl(), clock);
                List<BillingService.SyncResult> results;
                try {
                    results = billing.sync(which);
                } catch (ApiException e) {
                    err.println("levqor: " + e.getMessage());
                    return 1;
                }
                int fixed = 0;
                for (BillingService.SyncResult r : results) {
                    boolean changed = !r.planBefore().equals(r.planAfter());
                    fixed += changed ? 1 : 0;
                    out.printf("%s  %-30s  %s%s  subscription %s %s%n", r.accountId(), r.email(), r.planBefore(),
                            changed ? " -> " + r.planAfter() + " (fixed)" : " (unchanged)",
                            r.subscription() == null ? "-" : r.subscription(), r.status() == null ? r.outcome() : r.status());
                }
                if (which.isPresent() && results.isEmpty()) {
                    err.println("levqor: no account with id " + account);
                    return 1;
                }
                out.println("checked: " + results.size() + ", fixed: " + fixed);
                return 0;
            }
        }
    }
}
