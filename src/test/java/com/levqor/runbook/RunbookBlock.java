package com.levqor.runbook;

/**
 * One command block of the runbook marked to be run by the drill ({@code ```bash drill}), with the
 * output the runbook says it shows (the {@code expect} block right after it), if any.
 *
 * @param line         line of the block's opening fence in the runbook (1-based)
 * @param code         the commands, as an operator would paste them into bash
 * @param restart      {@code drill restart}: after the block, restart the server with the shell's environment
 * @param expected     the expected output, or null when only the exit status (0) is checked
 * @param expectedLine line of the expect block's opening fence, or 0
 */
public record RunbookBlock(int line, String code, boolean restart, String expected, int expectedLine) {
}
