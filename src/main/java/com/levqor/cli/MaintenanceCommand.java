package com.levqor.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code levqor maintenance schedule|list}: scheduled maintenance of the status page, straight in
 * Postgres. A window shows ahead of time, puts its components under maintenance while it runs and
 * closes by itself at its end.
 */
@Command(name = "maintenance", mixinStandardHelpOptions = true,
        description = "Schedule and list maintenance windows of the status page.",
        subcommands = {MaintenanceCommand.Schedule.class, MaintenanceCommand.ListWindows.class})
public final class MaintenanceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "schedule", mixinStandardHelpOptions = true, description = "Schedule a maintenance window.")
    static final class Schedule extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--title", required = true, description = "What is maintained.")
        String title;
        @Option(names = "--components", required = true, split = ",",
                description = "Components under maintenance: api,database,queue,payments,email.")
        List<String> components;
        @Option(names = "--starts-at", required = true, description = "ISO-8601 with an offset, e.g. 2030-01-01T02:00:00Z.")
        String startsAt;
        @Option(names = "--ends-at", required = true, description = "ISO-8601 with an offset, after --starts-at.")
        String endsAt;
        @Option(names = "--message", required = true, description = "What users should expect.")
        String message;

        @Override
        public Integer call() {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            IncidentCommand.put(body, "title", title);
            IncidentCommand.put(body, "components", components);
            IncidentCommand.put(body, "starts_at", startsAt);
            IncidentCommand.put(body, "ends_at", endsAt);
            IncidentCommand.put(body, "message", message);
            return Cli.withDatabase(env, spec.commandLine().getErr(),
                    db -> IncidentCommand.console(db, spec).schedule(body));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List maintenance windows, latest start first.")
    static final class ListWindows extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--status", description = "scheduled, in_progress, completed or cancelled (default: all).")
        String status;
        @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            return Cli.withDatabase(env, spec.commandLine().getErr(),
                    db -> IncidentCommand.console(db, spec).maintenances(status, limit));
        }
    }
}
