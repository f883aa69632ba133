package com.levqor.ops;

import com.levqor.db.SchemaProbe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.MigrationVersion;

/**
 * {@code GET /readyz}: whether this instance should get traffic. Three checks, each named in the
 * answer: {@code database} (it answers, within {@link #DATABASE_TIMEOUT}, on the probe's own
 * connection), {@code migrations} (its schema is at least the version this build carries; a newer
 * one, migrated by a newer Levqor during a rolling deploy, passes) and {@code draining} (SIGTERM has
 * not been received). 200 when all pass, 503 otherwise.
 */
public final class Readiness {
    /** Longest wait for the database: well under the 1 s a probe typically allows. */
    public static final Duration DATABASE_TIMEOUT = Duration.ofMillis(500);

    private static final String PASS = "pass";
    private static final String FAIL = "fail";

    /** The answer: its status code and JSON body. */
    public record Answer(int httpStatus, Map<String, Object> body) {
    }

    private record Drain(Instant since, long millis) {
    }

    private final SchemaProbe probe;
    private final MigrationVersion expected;
    private final Clock clock;
    private volatile Drain drain;

    /**
     * @param probe    the database check
     * @param expected the schema version this build needs (its newest migration)
     */
    public Readiness(SchemaProbe probe, MigrationVersion expected, Clock clock) {
        this.probe = probe;
        this.expected = expected;
        this.clock = clock;
    }

    /** From now on the probe answers 503 {@code draining}; the server stops after {@code drainMillis}. */
    public void startDraining(long drainMillis) {
        if (drain == null) {
            drain = new Drain(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), drainMillis);
        }
    }

    public boolean draining() {
        return drain != null;
    }

    public Answer check() {
        Map<String, Object> checks = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();

        SchemaProbe.Result db = probe.check(DATABASE_TIMEOUT);
        Map<String, Object> database = new LinkedHashMap<>();
        database.put("status", db.answered() ? PASS : FAIL);
        database.put("response_time_ms", db.millis());
        db.problem().ifPresent(p -> database.put("message", "The database did not answer: " + p));
        checks.put("database", database);

        Map<String, Object> migrations = new LinkedHashMap<>();
        if (db.applied().isEmpty()) {
            migrations.put("status", "unknown");
            migrations.put("expected", wire(expected));
            migrations.put("message", "The schema version cannot be read while the database does not answer.");
        } else {
            MigrationVersion applied = db.applied().get();
            boolean behind = applied.compareTo(expected) < 0;
            migrations.put("status", behind ? FAIL : PASS);
            migrations.put("applied", wire(applied));
            migrations.put("expected", wire(expected));
            if (behind) {
                migrations.put("message", "The database's schema is at version " + wire(applied) + "; this build needs "
                        + wire(expected) + " (run levqor migrate, or restart: serve migrates at start).");
            } else if (applied.compareTo(expected) > 0) {
                migrations.put("message", "The database's schema (" + wire(applied) + ") is newer than this build's ("
                        + wire(expected) + "): a newer Levqor migrated it.");
            }
        }
        checks.put("migrations", migrations);

        Drain d = drain;
        Map<String, Object> draining = new LinkedHashMap<>();
        draining.put("status", d == null ? PASS : FAIL);
        if (d != null) {
            long left = Math.max(0, d.millis() - Duration.between(d.since(), clock.instant()).toMillis());
            draining.put("since", d.since().toString());
            draining.put("message", "Shutting down: draining since " + d.since() + "; the graceful stop begins in "
                    + left + " ms.");
        }
        checks.put("draining", draining);

        checks.forEach((name, check) -> {
            if (FAIL.equals(((Map<?, ?>) check).get("status"))) {
                failed.add(name);
            }
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", d != null ? "draining" : failed.isEmpty() ? "ready" : "not_ready");
        body.put("failed", failed);
        body.put("checks", checks);
        return new Answer(failed.isEmpty() ? 200 : 503, body);
    }

    private static String wire(MigrationVersion v) {
        return v.equals(MigrationVersion.EMPTY) ? "none" : v.getVersion();
    }
}
