package com.levqor.cli;

import java.util.Map;

/** A command that reads its configuration from an environment handed to it (the real one in production). */
public abstract class EnvCommand {
    /** Set by the command-line factory in {@code Main.run}. */
    public Map<String, String> env = System.getenv();
}
