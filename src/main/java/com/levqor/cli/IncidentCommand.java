package com.levqor.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.status.IncidentConsole;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code levqor incident open|update|list}: the status page's incidents, straight in Postgres (works
 * while the server is down; a running server shows the change within 5 seconds). The options are the
 * fields of {@code POST /ops/incidents} and {@code POST /ops/incidents/{id}/updates}, checked alike.
 */
@Command(name = "incident", mixinStandardHelpOptions = true,
        description = "Open, update and list the incidents of the status page.",
        subcommands = {IncidentCommand.Open.class, IncidentCommand.Update.class, IncidentCommand.ListIncidents.class})
public final class IncidentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static IncidentConsole console(com.levqor.db.Database db, CommandSpec spec) {
        return new IncidentConsole(db, Clock.systemUTC(), spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Sets a field when its option was given. */
    static void put(ObjectNode body, String field, Object value) {
        if (value instanceof String s) {
            body.put(field, s);
        } else if (value instanceof Integer n) {
            body.put(field, n);
        } else if (value instanceof List<?> list && !list.isEmpty()) {
            list.forEach(v -> body.withArray(field).add(v.toString()));
        }
    }

    @Command(name = "open", mixinStandardHelpOptions = true,
            description = "Open an incident; prints its id and its status-page text.")
    static final class Open extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--template", description = "minor or major: the runbook's template fills what is not given.")
        String template;
        @Option(names = "--title", description = "The incident's title.")
        String title;
        @Option(names = "--impact", description = "minor, major, critical or maintenance.")
        String impact;
        @Option(names = "--components", split = ",", description = "Affected components: api,database,queue,payments,email.")
        List<String> components;
        @Option(names = "--status", description = "investigating (default), identified, monitoring or resolved.")
        String status;
        @Option(names = "--message", description = "What users should know.")
        String message;
        @Option(names = "--workaround", description = "What users can do meanwhile.")
        String workaround;
        @Option(names = "--next-update-minutes", description = "When the next update is promised, in minutes.")
        Integer nextUpdateMinutes;

        @Override
        public Integer call() {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            put(body, "template", template);
            put(body, "title", title);
            put(body, "impact", impact);
            put(body, "components", components);
            put(body, "status", status);
            put(body, "message", message);
            put(body, "workaround", workaround);
            put(body, "next_update_minutes", nextUpdateMinutes);
            return Cli.withDatabase(env, spec.commandLine().getErr(), db -> console(db, spec).open(body));
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Post an update (the status moves only forward); prints its text.")
    static final class Update extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", description = "The incident's id.")
        String id;
        @Option(names = "--status", required = true, description = "investigating, identified, monitoring or resolved.")
        String status;
        @Option(names = "--message", required = true, description = "What changed.")
        String message;
        @Option(names = "--root-cause", description = "With resolved: the root cause (the runbook's resolution).")
        String rootCause;
        @Option(names = "--fix", description = "With resolved: the fix.")
        String fix;
        @Option(names = "--workaround", description = "What users can do meanwhile.")
        String workaround;
        @Option(names = "--next-update-minutes", description = "When the next update is promised, in minutes.")
        Integer nextUpdateMinutes;

        @Override
        public Integer call() {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            put(body, "status", status);
            put(body, "message", message);
            put(body, "root_cause", rootCause);
            put(body, "fix", fix);
            put(body, "workaround", workaround);
            put(body, "next_update_minutes", nextUpdateMinutes);
            return Cli.withDatabase(env, spec.commandLine().getErr(), db -> console(db, spec).update(id, body));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List incidents, newest first.")
    static final class ListIncidents extends EnvCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--status", description = "open or resolved (default: both).")
        String status;
        @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            return Cli.withDatabase(env, spec.commandLine().getErr(), db -> console(db, spec).list(status, limit));
        }
    }
}
