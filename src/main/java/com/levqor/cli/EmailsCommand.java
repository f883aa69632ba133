package com.levqor.cli;

import com.levqor.email.Outbox;
import com.levqor.email.OutboxEmail;
import com.levqor.api.Json;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code levqor emails list|retry}: the email outbox, straight in Postgres (works while the server is
 * down; a running server's sender picks re-queued emails up within a second).
 */
@Command(name = "emails", mixinStandardHelpOptions = true, description = "List the email outbox and retry failed emails.",
        subcommands = {EmailsCommand.ListEmails.class, EmailsCommand.Retry.class})
public final class EmailsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static Outbox outbox(com.levqor.db.Database db) {
        return new Outbox(db.dsl(), Clock.systemUTC(), Json.newMapper());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List emails, newest first, with the outbox counts.")
    static final class ListEmails extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--status", description = "Only emails in this status: queued, sent or failed.")
        String status;
        @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (status != null && !List.of(Outbox.QUEUED, Outbox.SENT, Outbox.FAILED).contains(status)) {
                err.println("levqor: --status must be queued, sent or failed, not '" + status + "'");
                return 2;
            }
            return Cli.withDatabase(env, err, db -> {
                Outbox outbox = outbox(db);
                List<OutboxEmail> emails = outbox.list(Optional.ofNullable(status), Math.max(1, limit));
                out.printf("%-36s  %-20s  %-7s  %-8s  %-24s  %-30s  %s%n", "ID", "TEMPLATE", "STATUS", "ATTEMPTS",
                        "CREATED_AT", "TO", "LAST_ERROR");
                for (OutboxEmail e : emails) {
                    String error = e.lastError() == null ? "" : e.lastError().lines().findFirst().orElse("");
                    out.printf("%-36s  %-20s  %-7s  %-8d  %-24s  %-30s  %s%n", e.id(), e.template(), e.status(),
                            e.attempts(), e.createdAt(), e.recipient(),
                            error.length() > 120 ? error.substring(0, 120) + "…" : error);
                }
                Outbox.Counts c = outbox.counts();
                out.println(emails.size() + " shown; queued: " + c.queued() + ", failed: " + c.failed()
                        + ", oldest queued: " + c.oldestQueuedAgeSeconds() + " s");
                return 0;
            });
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Re-queue every failed email for a fresh round of attempts.")
    static final class Retry extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return Cli.withDatabase(env, spec.commandLine().getErr(), db -> {
                Outbox outbox = outbox(db);
                out.println("retried: " + outbox.retryFailed());
                out.println("queued: " + outbox.counts().queued());
                return 0;
            });
        }
    }
}
