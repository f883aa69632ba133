package com.levqor.config;

import java.util.List;

/** Every invalid environment variable at once; the process exits with status 2 on it. */
public final class InvalidSettingsException extends Exception {
    private final List<String> problems;

    public InvalidSettingsException(List<String> problems) {
        super("Invalid configuration (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
