package com.levqor.runbook;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a runbook's drill blocks in order in one {@link DrillShell} against one {@link DrillTarget}
 * and reports every block whose exit status is not 0 or whose output is not what the runbook says.
 * A failed block does not stop the drill: later blocks still run, so one run shows every drift.
 */
public final class RunbookDrill {
    /** One block that did not do what the runbook says. */
    public record Failure(String runbook, RunbookBlock block, DrillShell.Result result) {
        public String report() {
            StringBuilder r = new StringBuilder();
            r.append(runbook).append(':').append(block.line()).append(": drill block failed (exit status ")
                    .append(result.status()).append(")\n");
            r.append("  command:\n").append(indent(block.code()));
            if (block.expected() != null) {
                r.append("  expected (").append(runbook).append(':').append(block.expectedLine()).append("):\n")
                        .append(indent(block.expected()));
            } else {
                r.append("  expected: exit status 0\n");
            }
            r.append("  actual:\n").append(indent(result.out()));
            if (!result.err().isBlank()) {
                r.append("  stderr:\n").append(indent(tail(result.err(), 30)));
            }
            return r.toString();
        }
    }

    private final String runbook;
    private final DrillShell shell;
    private final DrillTarget target;

    public RunbookDrill(String runbook, DrillShell shell, DrillTarget target) {
        this.runbook = runbook;
        this.shell = shell;
        this.target = target;
    }

    public List<Failure> run(List<RunbookBlock> blocks) {
        List<Failure> failures = new ArrayList<>();
        int n = 0;
        for (RunbookBlock block : blocks) {
            DrillShell.Result result = shell.run(++n, block.code());
            boolean ok = result.status() == 0
                    && (block.expected() == null || ExpectedOutput.matches(block.expected(), result.out()));
            if (!ok) {
                failures.add(new Failure(runbook, block, result));
                System.err.println(failures.get(failures.size() - 1).report() + target.logTail());
            } else {
                System.out.println(runbook + ":" + block.line() + ": ok");
            }
            if (block.restart()) {
                target.restart(shell.environment());
            }
        }
        return failures;
    }

    private static String indent(String text) {
        StringBuilder out = new StringBuilder();
        for (String l : ExpectedOutput.lines(text)) {
            out.append("    ").append(l).append('\n');
        }
        return out.toString();
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }
}
