package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 11 item 8: what one source can write to errors.jsonl (and Sentry) is limited, and says so. */
class ErrorReporterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static List<JsonNode> lines(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Path file = dir.resolve("errors.jsonl");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                out.add(MAPPER.readTree(line));
            }
        }
        return out;
    }

    private static void dead(ErrorReporter reporter, String account, int n) {
        reporter.report("job_dead", "job " + n + " of " + account + " is dead", null,
                Map.of("job_id", "job-" + n, "account_id", account));
    }

    @Test
    void oneSourceIsLimitedPerTypeCountedAndSummarisedOnceItsSuppressionEnds() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "error-limit-");
        LogSetup.configure(dir, 1 << 20);
        Metrics metrics = new Metrics();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ErrorReporter reporter = new ErrorReporter(metrics, Optional.empty(), "test", 3, clock);

        for (int i = 1; i <= 10; i++) {
            dead(reporter, "acct-flood", i);
        }
        dead(reporter, "acct-quiet", 1);
        reporter.report("http_5xx", "GET /ops/dlq answered 503", null, Map.of("route", "/ops/dlq"));
        List<JsonNode> lines = lines(dir);
        assertThat(lines).extracting(j -> j.get("message").asText()).containsExactly(
                "job 1 of acct-flood is dead", "job 2 of acct-flood is dead", "job 3 of acct-flood is dead",
                "job 1 of acct-quiet is dead", "GET /ops/dlq answered 503");
        String scrape = new String(metrics.scrape());
        assertThat(scrape).contains("error_rate_total{type=\"job_dead\"} 11.0")
                .contains("levqor_error_reports_suppressed_total{type=\"job_dead\"} 7.0");

        // A minute later the bucket is full again: the next report of that source comes after one summary.
        clock.advance(Duration.ofMinutes(1));
        dead(reporter, "acct-flood", 11);
        lines = lines(dir);
        JsonNode summary = lines.get(5);
        assertThat(summary.get("level").asText()).isEqualTo("WARN");
        assertThat(summary.get("type").asText()).isEqualTo("job_dead");
        assertThat(summary.get("source").asText()).isEqualTo("account_id acct-flood");
        assertThat(summary.get("suppressed").asLong()).isEqualTo(7);
        assertThat(summary.get("message").asText()).startsWith("Suppressed 7 report(s) of type job_dead from "
                + "account_id acct-flood since 2026-01-01T00:00:00Z");
        assertThat(lines.get(6).get("message").asText()).isEqualTo("job 11 of acct-flood is dead");
        assertThat(lines).hasSize(7);
    }

    @Test
    void aSuppressionThatEndsWithoutAnotherReportOfItsSourceIsSummarisedByTheNextReportOrAtClose()
            throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "error-limit-");
        LogSetup.configure(dir, 1 << 20);
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ErrorReporter reporter = new ErrorReporter(new Metrics(), Optional.empty(), "test", 2, clock);
        for (int i = 1; i <= 5; i++) {
            dead(reporter, "acct-a", i);
        }
        clock.advance(Duration.ofMinutes(1));
        dead(reporter, "acct-b", 1); // another source: the ended suppression of acct-a is summarised first
        List<JsonNode> lines = lines(dir);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(2).get("suppressed").asLong()).isEqualTo(3);
        assertThat(lines.get(2).get("source").asText()).isEqualTo("account_id acct-a");
        assertThat(lines.get(3).get("message").asText()).isEqualTo("job 1 of acct-b is dead");

        for (int i = 2; i <= 4; i++) {
            dead(reporter, "acct-b", i); // the second is the last admitted; two suppressed
        }
        reporter.close();
        lines = lines(dir);
        assertThat(lines.get(lines.size() - 1).get("suppressed").asLong()).isEqualTo(2);
        assertThat(lines.get(lines.size() - 1).get("source").asText()).isEqualTo("account_id acct-b");
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "error-limit-");
        LogSetup.configure(dir, 1 << 20);
        ErrorReporter reporter = new ErrorReporter(new Metrics(), Optional.empty(), "test", 0,
                new MutableClock(Instant.EPOCH));
        for (int i = 1; i <= 100; i++) {
            dead(reporter, "acct", i);
        }
        assertThat(lines(dir)).hasSize(100);
    }
}
