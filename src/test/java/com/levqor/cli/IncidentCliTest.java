package com.levqor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.CliRun;
import com.levqor.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code levqor incident} and {@code levqor maintenance} as an operator types them, against a real database. */
class IncidentCliTest {
    static Map<String, String> env;

    @BeforeAll
    static void database() {
        env = new HashMap<>();
        env.put("DATABASE_URL", TestPostgres.newDatabase());
        env.put("LOG_DIR", "target/tmp/cli-logs");
    }

    static CliRun run(String... args) {
        return CliRun.run(env, args);
    }

    @Test
    void anIncidentIsOpenedUpdatedAndListed() {
        CliRun opened = run("incident", "open", "--template", "minor", "--components", "api,queue");
        assertThat(opened.status()).as(opened.err()).isZero();
        Matcher id = Pattern.compile("id: (\\S+)").matcher(opened.out());
        assertThat(id.find()).isTrue();
        assertThat(opened.out()).contains("[Investigating] API Performance Degradation\n\nWe're investigating reports")
                .containsPattern("Posted: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC");

        CliRun resolved = run("incident", "update", id.group(1), "--status", "resolved", "--message", "Back to normal.",
                "--root-cause", "A slow query", "--fix", "Added an index");
        assertThat(resolved.status()).as(resolved.err()).isZero();
        assertThat(resolved.out()).startsWith("[Resolved] API Performance Degradation\n\nBack to normal.\n\n"
                + "Root cause: A slow query\nFix: Added an index\n\nPosted: ");

        CliRun again = run("incident", "update", id.group(1), "--status", "monitoring", "--message", "x");
        assertThat(again.status()).isEqualTo(1);
        assertThat(again.err()).contains("is resolved and takes no more updates");

        CliRun list = run("incident", "list", "--status", "resolved");
        assertThat(list.status()).isZero();
        assertThat(list.out()).contains(id.group(1)).contains("resolved").contains("api,queue").contains("1 shown");
        assertThat(run("incident", "list", "--status", "open").out()).doesNotContain(id.group(1));
        assertThat(run("incident", "list", "--status", "closed").status()).isEqualTo(2);
    }

    @Test
    void badInputIsNamedAndExitsTwo() {
        CliRun bad = run("incident", "open", "--title", "x", "--impact", "huge", "--components", "api,cache");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).contains("impact: must be one of minor, major, critical or maintenance")
                .contains("components: must hold only api, database, queue, payments, email")
                .contains("message: is required");
        assertThat(run("incident", "update", "nope", "--status", "resolved", "--message", "m").status()).isEqualTo(1);
    }

    @Test
    void maintenanceIsScheduledAndListed() {
        Instant start = Instant.now().plus(Duration.ofDays(1));
        CliRun scheduled = run("maintenance", "schedule", "--title", "Redis upgrade", "--components", "queue",
                "--starts-at", start.toString(), "--ends-at", start.plus(Duration.ofHours(1)).toString(),
                "--message", "Jobs run in the in-process pool meanwhile.");
        assertThat(scheduled.status()).as(scheduled.err()).isZero();
        assertThat(scheduled.out()).contains("status: scheduled");
        CliRun list = run("maintenance", "list", "--status", "scheduled");
        assertThat(list.out()).contains("Redis upgrade").contains("queue").contains("1 shown");
        CliRun past = run("maintenance", "schedule", "--title", "t", "--components", "api", "--starts-at",
                "2020-01-01T00:00:00Z", "--ends-at", "2020-01-01T01:00:00Z", "--message", "m");
        assertThat(past.status()).isEqualTo(2);
        assertThat(past.err()).contains("ends_at: must be in the future");
    }
}
