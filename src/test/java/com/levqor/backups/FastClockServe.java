package com.levqor.backups;

import com.levqor.app.Levqor;
import com.levqor.cli.Cli;
import com.levqor.cli.ServeCommand;
import com.levqor.config.InvalidSettingsException;
import com.levqor.config.Settings;
import com.levqor.testing.FastClock;

/**
 * {@code levqor serve} as its own process with a {@link FastClock}, for tests that must live through
 * several cron occurrences across processes in seconds. Arguments: the real origin (epoch ms), the
 * fake time at that origin (epoch ms) and the speed. Stops on SIGTERM like serve.
 */
public final class FastClockServe {
    private FastClockServe() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.fromSystemEnvironment();
        } catch (InvalidSettingsException e) {
            System.err.println("levqor: " + e.getMessage());
            System.exit(Cli.EXIT_BAD_CONFIG);
            return;
        }
        FastClock clock = new FastClock(Long.parseLong(args[0]), Long.parseLong(args[1]), Long.parseLong(args[2]));
        ServeCommand.runUntilStopped(() -> Levqor.start(settings, clock));
        System.exit(0); // as Main does once serve returns: no thread left behind keeps the JVM up
    }
}
