package com.levqor.cli;

import com.levqor.config.Env;
import com.levqor.config.Settings;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code levqor flags}: the effective configuration, secrets masked. */
@Command(name = "flags", mixinStandardHelpOptions = true,
        description = "Show the feature flags and the effective configuration (secrets masked).")
public final class FlagsCommand extends EnvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Settings settings = Cli.settings(env, spec.commandLine().getErr());
        if (settings == null) {
            return Cli.badConfig();
        }
        out.println("Feature flags:");
        for (Map.Entry<String, Boolean> f : settings.flags().byName().entrySet()) {
            out.printf("  %-26s %s%n", f.getKey(), f.getValue());
        }
        out.println();
        out.println("Edge limits (rate limits per minute, abuse thresholds in seconds; see the runbook):");
        for (Map.Entry<String, Object> l : settings.edgeLimitsByName().entrySet()) {
            out.printf("  %-34s %s%n", l.getKey(), l.getValue());
        }
        out.println();
        out.println("Configuration (value, and whether it came from the environment or is the default):");
        for (Env.Entry e : settings.entries()) {
            if (settings.flags().byName().containsKey(e.name())) {
                continue;
            }
            out.printf("  %-26s %-40s %s%n", e.name(), e.shown(), e.fromEnvironment() ? "(env)" : "(default)");
        }
        return 0;
    }
}
