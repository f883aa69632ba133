package com.levqor.cli;

import com.levqor.db.Uuids;
import com.levqor.jobs.model.JobRef;
import com.levqor.db.Database;
import com.levqor.jobs.JobStore;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code levqor dlq list|retry|discard}: the dead-letter queue, straight in Postgres (works while the
 * server is down; a running server's sweeper dispatches re-queued jobs within a second).
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "List, retry and discard dead jobs.",
        subcommands = {DlqCommand.ListDead.class, DlqCommand.Retry.class, DlqCommand.Discard.class})
public final class DlqCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead jobs with their last error.")
    static final class ListDead extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--workflow", description = "Only dead jobs of this workflow.")
        String workflow;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return Cli.withDatabase(env, spec.commandLine().getErr(), db -> {
                JobStore store = new JobStore(db.dsl(Database.Role.ADMIN));
                List<JobStore.DeadJob> dead = store.deadJobs(workflow, Math.max(1, limit));
                out.printf("%-36s  %-14s  %-8s  %-24s  %s%n", "JOB_ID", "WORKFLOW", "ATTEMPTS", "DEAD_AT", "LAST_ERROR");
                for (JobStore.DeadJob d : dead) {
                    String error = d.lastError() == null ? "" : d.lastError().lines().findFirst().orElse("");
                    out.printf("%-36s  %-14s  %-8d  %-24s  %s%n", d.jobId(), d.workflow(), d.attempts(), d.deadAt(),
                            error.length() > 120 ? error.substring(0, 120) + "…" : error);
                }
                out.println(dead.size() + " shown, " + store.deadCount(workflow) + " dead in total"
                        + (workflow == null ? "" : " for workflow " + workflow));
                return 0;
            });
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Re-queue dead jobs (all, or by --id / --workflow, up to --limit) for a fresh round of attempts.")
    static final class Retry extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--limit", defaultValue = "1000", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--workflow", description = "Only dead jobs of this workflow.")
        String workflow;
        @Option(names = "--id", description = "Only these job ids (repeatable).")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<UUID> parsed = new ArrayList<>();
            for (String s : ids) {
                UUID id = Uuids.parseOrNull(s);
                if (id == null) {
                    err.println("levqor: --id must be a job id (UUID), not '" + s + "'");
                    return 2;
                }
                parsed.add(id);
            }
            return Cli.withDatabase(env, err, db -> {
                JobStore store = new JobStore(db.dsl(Database.Role.ADMIN));
                List<JobRef> refs = store.retryDead(parsed, workflow, Math.max(1, limit), Clock.systemUTC().instant());
                out.println("retried: " + refs.size());
                out.println("remaining: " + store.deadCount(null));
                return 0;
            });
        }
    }

    @Command(name = "discard", mixinStandardHelpOptions = true, description = "Discard one dead job (it becomes cancelled).")
    static final class Discard extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", description = "The dead job's id.")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            UUID jobId = Uuids.parseOrNull(id);
            if (jobId == null) {
                err.println("levqor: the job id must be a UUID, not '" + id + "'");
                return 2;
            }
            return Cli.withDatabase(env, err, db -> {
                if (!new JobStore(db.dsl(Database.Role.ADMIN)).discardDead(jobId, Clock.systemUTC().instant())) {
                    err.println("levqor: no dead job with id " + id + " in the DLQ");
                    return 1;
                }
                out.println("discarded: " + id);
                return 0;
            });
        }
    }
}
