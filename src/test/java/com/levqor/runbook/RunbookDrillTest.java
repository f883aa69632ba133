package com.levqor.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunbookDrillTest {
    private final Path dir;

    private final List<Map<String, String>> restarts = new ArrayList<>();
    private final DrillTarget target = restarts::add;

    RunbookDrillTest() throws IOException {
        // surefire's java.io.tmpdir is target/tmp, which nothing may have created yet
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "runbook-drill");
    }

    private List<RunbookDrill.Failure> drill(String markdown) {
        DrillShell shell = new DrillShell(dir.resolve("shell"), dir.resolve("home"),
                Map.of("PATH", System.getenv("PATH"), "GREETING", "hello"));
        return new RunbookDrill("TEST.md", shell, target).run(Runbook.parse(List.of(markdown.split("\n", -1))));
    }

    @Test
    void failingBlockIsReportedWithItsLineCommandExpectedAndActualOutput() {
        List<RunbookDrill.Failure> failures = drill("""
                # A runbook
                ```bash drill
                echo "$GREETING"
                ```
                ```text expect
                hello
                ```
                Then:
                ```bash drill
                echo 'queue mode: sync'
                ```
                It shows:
                ```text expect
                queue mode: async
                ```
                """);

        assertThat(failures).hasSize(1);
        String report = failures.get(0).report();
        assertThat(report).startsWith("TEST.md:9: drill block failed (exit status 0)")
                .contains("  command:\n    echo 'queue mode: sync'\n")
                .contains("  expected (TEST.md:13):\n    queue mode: async\n")
                .contains("  actual:\n    queue mode: sync\n");
    }

    @Test
    void blockExitingWithAnErrorFailsEvenWithoutAnExpectBlock() {
        List<RunbookDrill.Failure> failures = drill("""
                ```bash drill
                grep -q needle /dev/null
                ```
                """);

        assertThat(failures).singleElement().satisfies(f -> {
            assertThat(f.result().status()).isEqualTo(1);
            assertThat(f.report()).startsWith("TEST.md:1: drill block failed (exit status 1)")
                    .contains("  expected: exit status 0\n");
        });
    }

    @Test
    void variablesCarryFromBlockToBlockAndRestartGetsTheShellsEnvironment() {
        List<RunbookDrill.Failure> failures = drill("""
                ```bash drill restart
                export NEW_QUEUE_ENABLED=false
                JOB=$(echo 0193-abc)
                ```
                ```bash drill
                echo "$JOB $NEW_QUEUE_ENABLED $GREETING"
                ```
                ```text expect
                0193-abc false hello
                ```
                """);

        assertThat(failures).isEmpty();
        assertThat(restarts).singleElement().satisfies(env -> assertThat(env)
                .containsEntry("NEW_QUEUE_ENABLED", "false").containsEntry("GREETING", "hello"));
    }

    @Test
    void blocksRunInTheServersDirectoryWithTheLevqorFunction() {
        List<RunbookDrill.Failure> failures = drill("""
                ```bash drill
                pwd
                type -t levqor
                ```
                ```text expect
                %s
                function
                ```
                """.formatted(dir.resolve("home").toAbsolutePath()));

        assertThat(failures).isEmpty();
    }

    @Test
    void ellipsisMatchesAnyTextAndWholeLinesAndSlashesMarkARegex() {
        assertThat(ExpectedOutput.matches("{\"mode\":\"sync\",…}", "{\"mode\":\"sync\",\"depth\":0}")).isTrue();
        assertThat(ExpectedOutput.matches("{\"mode\":\"sync\",…}", "{\"mode\":\"async\",\"depth\":0}")).isFalse();
        assertThat(ExpectedOutput.matches("first\n…\nlast", "first\na\nb\nlast\n")).isTrue();
        assertThat(ExpectedOutput.matches("first\n…\nlast", "first\nlast")).isTrue();
        assertThat(ExpectedOutput.matches("first\n…\nlast", "first\na\nb")).isFalse();
        assertThat(ExpectedOutput.matches("/6[0-9] 200/\n/[0-9]+ 429/", "     60 200\n     40 429\n")).isTrue();
        assertThat(ExpectedOutput.matches("/6[0-9] 200/\n/[0-9]+ 429/", "    100 200\n")).isFalse();
        assertThat(ExpectedOutput.matches("a", "a\nb")).as("extra output is a difference").isFalse();
    }

    @Test
    void blocksShownInsideALongerFenceAreNotRun() {
        assertThat(Runbook.parse(List.of("````markdown", "```bash drill", "rm -rf /", "```", "```text expect", "x",
                "```", "````"))).isEmpty();
    }

    @Test
    void misplacedExpectBlockAndUnknownOptionAreErrors() {
        assertThatThrownBy(() -> Runbook.parse(List.of("```bash", "ls", "```", "```text expect", "x", "```")))
                .hasMessageContaining("line 4: an expect block must follow a drill block");
        assertThatThrownBy(() -> Runbook.parse(List.of("```bash drill restrat", "ls", "```")))
                .hasMessageContaining("line 1: unknown drill option 'restrat'");
    }
}
