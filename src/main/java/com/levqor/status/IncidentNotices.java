package com.levqor.status;

import static com.levqor.db.jooq.Tables.ACCOUNTS;

import com.levqor.api.ApiException;
import com.levqor.email.Email;
import com.levqor.email.Outbox;
import com.levqor.email.Templates;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;

/**
 * The runbook's "Email to Affected Users" for a resolved incident, queued through the email outbox in
 * one transaction: once per account per incident however often it is asked (the outbox's dedupe key
 * {@code incident:<id>:account:<account id>}).
 */
final class IncidentNotices {
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter DAY_AND_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    /** What a notify call did. */
    record Result(int queued, int alreadySent) {
    }

    private final DSLContext db;
    private final IncidentStore incidents;
    private final Outbox outbox;
    private final Runnable wakeSender;

    IncidentNotices(DSLContext db, IncidentStore incidents, Outbox outbox, Runnable wakeSender) {
        this.db = db;
        this.incidents = incidents;
        this.outbox = outbox;
        this.wakeSender = wakeSender;
    }

    /**
     * Queues the email to every named account (or all of them).
     *
     * @throws ApiException 404 {@code incident_not_found}; 409 {@code incident_not_resolved} (the email
     *                      announces a resolved disruption with its end); 400 naming unknown accounts or
     *                      missing lines that the incident cannot fill
     */
    Result notify(UUID id, IncidentRequests.Notify n) {
        Result r = db.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            Incident incident = incidents.find(tx, id).orElseThrow(() -> IncidentService.notFound(id.toString()));
            if (incident.open()) {
                throw ApiException.conflict("incident_not_resolved", "Incident " + id + " is " + incident.status().wire()
                        + ": the email to affected users announces a resolved disruption with its end time; "
                        + "resolve the incident first.");
            }
            Map<String, Object> model = model(incident, n);
            int queued = 0;
            int already = 0;
            for (Record2<UUID, String> a : recipients(tx, n)) {
                Map<String, Object> m = new LinkedHashMap<>(model);
                m.put("name", nameOf(a.value2()));
                boolean fresh = outbox.queue(tx, Email.of(Templates.INCIDENT_NOTICE, a.value2(), m)
                        .dedupedBy("incident:" + id + ":account:" + a.value1()));
                if (fresh) {
                    queued++;
                } else {
                    already++;
                }
            }
            return new Result(queued, already);
        });
        if (r.queued() > 0) {
            wakeSender.run();
        }
        return r;
    }

    /** The template's model but the name: date, start and end in UTC from the incident, and the lines. */
    static Map<String, Object> model(Incident incident, IncidentRequests.Notify n) {
        Map<String, String> problems = new LinkedHashMap<>();
        List<String> happened = n.whatHappened();
        List<String> did = n.whatWeDid();
        if (happened.isEmpty()) {
            happened = incident.updates().stream().filter(u -> u.rootCause() != null).map(IncidentUpdate::rootCause)
                    .limit(1).toList();
        }
        if (did.isEmpty()) {
            did = incident.updates().stream().filter(u -> u.fix() != null).map(IncidentUpdate::fix).limit(1).toList();
        }
        if (happened.isEmpty()) {
            problems.put("what_happened", "is required (the incident's resolution gave no root cause to use)");
        }
        if (did.isEmpty()) {
            problems.put("what_we_did", "is required (the incident's resolution gave no fix to use)");
        }
        if (n.prevention().isEmpty()) {
            problems.put("prevention", "is required: a list of the prevention measures");
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems.size() == 1
                    ? "Field '" + problems.keySet().iterator().next() + "' " + problems.values().iterator().next() + "."
                    : problems.size() + " fields are invalid: " + String.join(", ", problems.keySet()) + ".", problems);
        }
        Instant start = incident.createdAt();
        Instant end = incident.resolvedAt();
        boolean sameDay = DATE.format(start).equals(DATE.format(end));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", DATE.format(start));
        m.put("start", TIME.format(start));
        m.put("end", sameDay ? TIME.format(end) : DAY_AND_TIME.format(end));
        m.put("feature", n.feature() != null ? n.feature() : feature(incident.components()));
        m.put("what_happened", happened);
        m.put("what_we_did", did);
        m.put("prevention", n.prevention());
        return m;
    }

    /** "the API and payments": the incident's components, as a sentence says them. */
    static String feature(List<Component> components) {
        List<String> words = components.stream().map(Component::feature).toList();
        if (words.size() == 1) {
            return words.get(0);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " and " + words.get(words.size() - 1);
    }

    /** Accounts have no name: the address' local part greets them ("Hi ada," for ada@example.com). */
    static String nameOf(String email) {
        int at = email.indexOf('@');
        return at > 0 ? email.substring(0, at) : email;
    }

    private static List<Record2<UUID, String>> recipients(DSLContext tx, IncidentRequests.Notify n) {
        if (n.accounts().isEmpty()) {
            return tx.select(ACCOUNTS.ID, ACCOUNTS.EMAIL).from(ACCOUNTS).orderBy(ACCOUNTS.ID).fetch();
        }
        List<UUID> ids = n.accounts().get();
        List<Record2<UUID, String>> found = tx.select(ACCOUNTS.ID, ACCOUNTS.EMAIL).from(ACCOUNTS)
                .where(ACCOUNTS.ID.in(ids)).orderBy(ACCOUNTS.ID).fetch();
        if (found.size() != ids.size()) {
            Set<UUID> known = new HashSet<>();
            found.forEach(r -> known.add(r.value1()));
            List<String> unknown = new ArrayList<>();
            ids.stream().filter(i -> !known.contains(i)).limit(10).forEach(i -> unknown.add(i.toString()));
            throw ApiException.invalid("Unknown account id(s): " + String.join(", ", unknown) + ".",
                    Map.of("accounts", "unknown account id(s): " + String.join(", ", unknown)));
        }
        return found;
    }
}
