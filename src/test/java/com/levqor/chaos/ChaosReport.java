package com.levqor.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The figures of one scenario: jobs acknowledged, lost (acknowledged but absent from Postgres or never
 * final), run twice (counted from the {@code chaos.record} files), time to recover and the errors
 * answered meanwhile; written as JSON to {@code target/chaos/<scenario>.json}.
 */
public final class ChaosReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> FINAL = Set.of("succeeded", "dead", "cancelled");

    /** One execution of a job, as the workflow recorded it. */
    public record Execution(String jobId, int attempt, long pid, boolean done, long epochMillis) {
    }

    /** What became of the jobs a run's load got a 202 for. */
    public record Tally(List<String> acknowledged, Map<String, String> states, List<Execution> executions,
                        List<String> lost, List<String> twice) {
        /** Acknowledged jobs with no finished execution recorded at all. */
        public List<String> neverExecuted() {
            return ChaosReport.neverExecuted(executions, acknowledged);
        }

        /** Levqor's promise: every acknowledged job final and run, none lost, none run twice. */
        public void assertNoneLostOrRunTwice(ChaosReport report) {
            assertThat(lost).as("acknowledged jobs lost: %s", report).isEmpty();
            assertThat(twice).as("jobs run twice: %s", report).isEmpty();
            assertThat(neverExecuted()).as("acknowledged, never run").isEmpty();
        }
    }

    private final String scenario;
    private final Map<String, Object> figures = new LinkedHashMap<>();

    public ChaosReport(String scenario) {
        this.scenario = scenario;
        figures.put("scenario", scenario);
        figures.put("date", Instant.now().toString());
        figures.put("machine", Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version"));
    }

    public ChaosReport put(String name, Object value) {
        figures.put(name, value);
        return this;
    }

    public Object get(String name) {
        return figures.get(name);
    }

    /**
     * Waits (up to {@code timeout}) for every acknowledged job to be final, reads the executions
     * recorded, and puts acknowledged, lost, lost_states, run_twice and never_executed into this
     * report; a rerun of a job a process in {@code killedPids} was running is not counted twice.
     */
    public Tally tally(ChaosPostgres pg, Path records, List<Load.Outcome> outcomes, Set<Long> killedPids,
                       Duration timeout) {
        List<String> acknowledged = acknowledged(outcomes);
        Map<String, String> states = awaitFinal(pg, acknowledged, timeout);
        List<Execution> executions = executions(records);
        Tally t = new Tally(acknowledged, states, executions, lost(states), runTwice(executions, killedPids));
        put("acknowledged", acknowledged.size()).put("lost", t.lost().size()).put("lost_states", lostStates(states))
                .put("run_twice", t.twice().size()).put("never_executed", t.neverExecuted().size());
        return t;
    }

    /** The job ids the load got a 202 for. */
    public static List<String> acknowledged(List<Load.Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.status() == 202).map(Load.Outcome::jobId).toList();
    }

    /** Answers other than 202, counted by "status error_code" ("0 refused", "0 cut" for no answer). */
    public static Map<String, Integer> errors(Collection<Load.Outcome> outcomes) {
        Map<String, Integer> errors = new TreeMap<>();
        for (Load.Outcome o : outcomes) {
            if (o.status() != 202) {
                errors.merge((o.status() + " " + o.error()).trim(), 1, Integer::sum);
            }
        }
        return errors;
    }

    /**
     * Waits until every job is final in Postgres or the time is up; each id's state ("absent" when there
     * is no row). The database must be up.
     */
    public static Map<String, String> awaitFinal(ChaosPostgres pg, Collection<String> ids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> states = Map.of();
        while (true) {
            try {
                states = states(pg, ids);
            } catch (SQLException e) {
                // not back yet: try again until the deadline
            }
            boolean allFinal = states.size() == ids.size() && states.values().stream().allMatch(FINAL::contains);
            if (allFinal || System.nanoTime() > deadline) {
                return states.isEmpty() ? absent(ids) : states;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return states;
            }
        }
    }

    private static Map<String, String> absent(Collection<String> ids) {
        Map<String, String> m = new HashMap<>();
        ids.forEach(id -> m.put(id, "absent"));
        return m;
    }

    private static Map<String, String> states(ChaosPostgres pg, Collection<String> ids) throws SQLException {
        Map<String, String> states = absent(ids);
        try (Connection c = pg.connect();
             PreparedStatement s = c.prepareStatement("select id::text, state from jobs where id = any(?::uuid[])")) {
            Array array = c.createArrayOf("text", ids.toArray());
            s.setArray(1, array);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    states.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return states;
    }

    /** Ids whose state is not final (absent included): the lost ones. */
    public static List<String> lost(Map<String, String> states) {
        return states.entrySet().stream().filter(e -> !FINAL.contains(e.getValue())).map(Map.Entry::getKey).sorted()
                .toList();
    }

    /** How many of the lost ones are in each state ("absent": no row), to tell a stuck job from a missing one. */
    public static Map<String, Long> lostStates(Map<String, String> states) {
        Map<String, Long> counts = new TreeMap<>();
        lost(states).forEach(id -> counts.merge(states.get(id), 1L, Long::sum));
        return counts;
    }

    /** Every execution recorded in the folder (all processes). */
    public static List<Execution> executions(Path records) {
        List<Execution> all = new ArrayList<>();
        if (!Files.isDirectory(records)) {
            return all;
        }
        try (var files = Files.list(records)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    String[] p = line.trim().split(" ");
                    if (p.length == 5) {
                        all.add(new Execution(p[0], Integer.parseInt(p[1]), Long.parseLong(p[2]), p[3].equals("done"),
                                Long.parseLong(p[4])));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /**
     * Jobs run twice: more than one finished execution in processes that were not killed (a killed
     * process's run never reached Postgres, so running the job again is the promise, not a breach), or
     * two executions of the same attempt anywhere (two winners of one claim).
     */
    public static List<String> runTwice(List<Execution> executions, Set<Long> killedPids) {
        Map<String, Integer> finished = new HashMap<>();
        Set<String> attempts = new HashSet<>();
        Set<String> twice = new java.util.TreeSet<>();
        for (Execution e : executions) {
            if (!e.done() && !attempts.add(e.jobId() + "/" + e.attempt())) {
                twice.add(e.jobId());
            }
            if (e.done() && !killedPids.contains(e.pid()) && finished.merge(e.jobId(), 1, Integer::sum) > 1) {
                twice.add(e.jobId());
            }
        }
        return new ArrayList<>(twice);
    }

    /** Jobs whose execution began in a killed process and that ran again elsewhere. */
    public static long rerunAfterKill(List<Execution> executions, Set<Long> killedPids) {
        Set<String> inKilled = new HashSet<>();
        Set<String> elsewhere = new HashSet<>();
        for (Execution e : executions) {
            if (!e.done()) {
                (killedPids.contains(e.pid()) ? inKilled : elsewhere).add(e.jobId());
            }
        }
        inKilled.retainAll(elsewhere);
        return inKilled.size();
    }

    /** Acknowledged jobs with no finished execution recorded at all. */
    public static List<String> neverExecuted(List<Execution> executions, Collection<String> ids) {
        Set<String> done = new HashSet<>();
        executions.stream().filter(Execution::done).forEach(e -> done.add(e.jobId()));
        return ids.stream().filter(id -> !done.contains(id)).sorted().toList();
    }

    /** Writes target/chaos/<scenario>.json. */
    public Path write() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "chaos"));
            Path file = dir.resolve(scenario + ".json");
            JSON.writeValue(file.toFile(), figures);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return figures.toString();
    }
}
