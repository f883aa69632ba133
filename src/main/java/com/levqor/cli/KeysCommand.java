package com.levqor.cli;

import com.levqor.accounts.AccountService;
import com.levqor.db.Uuids;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code levqor keys create|revoke}: rotate API keys without downtime. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Add and revoke API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Add an API key to an account (shown only once); older keys stay active.")
    static final class Create extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--account", required = true, description = "The account id.")
        String account;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            UUID id = Uuids.parseOrNull(account);
            if (id == null) {
                err.println("levqor: --account must be an account id (a UUID), not '" + account + "'");
                return 2;
            }
            return Cli.withDatabase(env, err, db -> {
                Optional<AccountService.NewKey> k = new AccountService(db.dsl(), Clock.systemUTC()).addKey(id);
                if (k.isEmpty()) {
                    err.println("levqor: no account with id '" + account + "'");
                    return 1;
                }
                out.println("account_id: " + k.get().accountId());
                out.println("api_key:    " + k.get().apiKey());
                out.println("key_prefix: " + k.get().prefix());
                out.println("(the API key is shown only now; store it safely)");
                return 0;
            });
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke the API key with this prefix.")
    static final class Revoke extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "PREFIX", description = "The key's visible prefix, e.g. lvq_Ab12Cd34.")
        String prefix;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            return Cli.withDatabase(env, err, db -> {
                Optional<AccountService.Revoked> r = new AccountService(db.dsl(), Clock.systemUTC()).revoke(prefix);
                if (r.isEmpty()) {
                    err.println("levqor: no API key with prefix '" + prefix + "'");
                    return 1;
                }
                spec.commandLine().getOut().println("revoked " + r.get().prefix() + " at " + r.get().revokedAt());
                return 0;
            });
        }
    }
}
