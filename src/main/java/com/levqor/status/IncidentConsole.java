package com.levqor.status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.api.ApiException;
import com.levqor.db.Database;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The incident work of {@code levqor incident} and {@code levqor maintenance}, straight in Postgres
 * (a running server shows the change within its refresh interval): the same requests and rules as
 * the HTTP API, answered as text. Exit statuses: 0 done, 1 refused (unknown id, status going back),
 * 2 invalid input.
 */
public final class IncidentConsole {
    private final IncidentService incidents;
    private final PrintWriter out;
    private final PrintWriter err;

    public IncidentConsole(Database database, Clock clock, PrintWriter out, PrintWriter err) {
        Mustaches templates = new Mustaches();
        this.incidents = new IncidentService(database.dsl(), new IncidentStore(database.dsl()),
                new MaintenanceStore(database.dsl()), new IncidentText(templates), clock, () -> { });
        this.out = out;
        this.err = err;
    }

    /** Opens an incident from a request body; prints its id and text. */
    public int open(ObjectNode body) {
        return run(() -> {
            Incident i = incidents.open(IncidentRequests.open(body));
            out.println("id: " + i.id());
            out.println();
            out.println(i.text());
            return 0;
        });
    }

    /** Posts an update; prints the update's text. */
    public int update(String id, ObjectNode body) {
        return run(() -> {
            UUID uuid = Optional.ofNullable(com.levqor.db.Uuids.parseOrNull(id))
                    .orElseThrow(() -> IncidentService.notFound(id));
            Incident i = incidents.update(uuid, IncidentRequests.update(body));
            out.println(i.text());
            return 0;
        });
    }

    /** Lists incidents, newest first ({@code status}: open, resolved or null for all). */
    public int list(String status, int limit) {
        if (status != null && !List.of("open", "resolved").contains(status)) {
            err.println("levqor: --status must be open or resolved, not '" + status + "'");
            return 2;
        }
        List<Incident> list = incidents.list(status == null ? Optional.empty() : Optional.of(status.equals("open")),
                Math.max(1, limit));
        out.printf("%-36s  %-13s  %-11s  %-24s  %-27s  %s%n", "ID", "STATUS", "IMPACT", "COMPONENTS", "CREATED_AT", "TITLE");
        for (Incident i : list) {
            out.printf("%-36s  %-13s  %-11s  %-24s  %-27s  %s%n", i.id(), i.status().wire(), i.impact().wire(),
                    String.join(",", i.components().stream().map(Component::wire).toList()), i.createdAt(), i.title());
        }
        out.println(list.size() + " shown");
        return 0;
    }

    /** Schedules a maintenance window; prints its id and window. */
    public int schedule(ObjectNode body) {
        return run(() -> {
            Maintenance m = incidents.schedule(IncidentRequests.schedule(body, incidents.now()));
            out.println("id: " + m.id());
            out.println("status: " + m.phase(incidents.now()).wire());
            out.println("window: " + m.startsAt() + " to " + m.endsAt());
            return 0;
        });
    }

    /** Lists maintenance windows, latest start first ({@code status}: a phase, or null for all). */
    public int maintenances(String status, int limit) {
        Optional<Maintenance.Phase> phase = Optional.empty();
        if (status != null) {
            phase = Arrays.stream(Maintenance.Phase.values()).filter(p -> p.wire().equals(status)).findFirst();
            if (phase.isEmpty()) {
                err.println("levqor: --status must be scheduled, in_progress, completed or cancelled, not '" + status + "'");
                return 2;
            }
        }
        List<Maintenance> list = incidents.maintenances(phase, Math.max(1, limit));
        out.printf("%-36s  %-11s  %-22s  %-22s  %-24s  %s%n", "ID", "STATUS", "STARTS_AT", "ENDS_AT", "COMPONENTS", "TITLE");
        for (Maintenance m : list) {
            out.printf("%-36s  %-11s  %-22s  %-22s  %-24s  %s%n", m.id(), m.phase(incidents.now()).wire(), m.startsAt(),
                    m.endsAt(), String.join(",", m.components().stream().map(Component::wire).toList()), m.title());
        }
        out.println(list.size() + " shown");
        return 0;
    }

    private int run(Supplier<Integer> work) {
        try {
            return work.get();
        } catch (ApiException e) {
            err.println("levqor: " + e.getMessage());
            e.details().forEach((field, problem) -> err.println("  " + field + ": " + problem));
            return e.status() == 400 ? 2 : 1;
        }
    }
}
