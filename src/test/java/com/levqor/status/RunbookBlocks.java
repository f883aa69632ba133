package com.levqor.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The code blocks of runbook/RUNBOOK.md's incident templates: what Levqor's texts must equal. */
final class RunbookBlocks {
    private RunbookBlocks() {
    }

    /** The text of the first fenced block after the heading {@code #### <name>}, without the fences. */
    static String template(String name) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("runbook", "RUNBOOK.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int i = lines.indexOf("#### " + name);
        if (i < 0) {
            throw new AssertionError("runbook/RUNBOOK.md has no heading '#### " + name + "'");
        }
        while (!lines.get(i).equals("```")) {
            i++;
        }
        StringBuilder b = new StringBuilder();
        for (i++; !lines.get(i).equals("```"); i++) {
            b.append(lines.get(i)).append('\n');
        }
        return b.toString().stripTrailing();
    }
}
