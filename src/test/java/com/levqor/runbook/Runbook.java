package com.levqor.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the drill's blocks out of a Markdown runbook. The convention (documented at the top of
 * runbook/RUNBOOK.md): a fenced block whose info string has the word {@code drill} is run; the
 * words after it are options ({@code restart}); a fenced block whose info string has the word
 * {@code expect} is the expected output of the drill block right before it (only prose between).
 * A misplaced expect block or an unknown option is an error, so a typo cannot silently turn a check off.
 */
public final class Runbook {
    private static final Pattern FENCE = Pattern.compile("^\\s*(`{3,})(.*)$");

    private Runbook() {
    }

    public static List<RunbookBlock> parse(List<String> lines) {
        List<RunbookBlock> blocks = new ArrayList<>();
        RunbookBlock pending = null;
        int i = 0;
        while (i < lines.size()) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                i++;
                continue;
            }
            int fenceLine = i + 1;
            String fence = open.group(1);
            List<String> words = List.of(open.group(2).trim().split("\\s+"));
            StringBuilder body = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).trim().equals(fence)) {
                body.append(lines.get(j)).append('\n');
                j++;
            }
            if (j == lines.size()) {
                throw new IllegalArgumentException("line " + fenceLine + ": code block never closed");
            }
            i = j + 1;
            if (words.contains("expect")) {
                if (pending == null) {
                    throw new IllegalArgumentException("line " + fenceLine
                            + ": an expect block must follow a drill block (only prose between)");
                }
                blocks.add(new RunbookBlock(pending.line(), pending.code(), pending.restart(), body.toString(),
                        fenceLine));
                pending = null;
                continue;
            }
            if (pending != null) {
                blocks.add(pending);
                pending = null;
            }
            int drill = words.indexOf("drill");
            if (drill < 0) {
                continue;
            }
            boolean restart = false;
            for (String option : words.subList(drill + 1, words.size())) {
                if (option.equals("restart")) {
                    restart = true;
                } else {
                    throw new IllegalArgumentException("line " + fenceLine + ": unknown drill option '" + option
                            + "' (known: restart)");
                }
            }
            pending = new RunbookBlock(fenceLine, body.toString(), restart, null, 0);
        }
        if (pending != null) {
            blocks.add(pending);
        }
        return blocks;
    }
}
