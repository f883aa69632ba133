package com.levqor.cli;

import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code levqor serve}: HTTP API, workers and scheduler until SIGTERM/SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start the HTTP API (default command). Stops gracefully on SIGTERM.")
public final class ServeCommand extends EnvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Settings settings = Cli.settings(env, spec.commandLine().getErr());
        if (settings == null) {
            return Cli.badConfig();
        }
        runUntilStopped(Levqor.start(settings, Clock.systemUTC()));
        return 0;
    }

    /** Returns once SIGTERM or SIGINT has closed the process (tests start serve with clocks of their own). */
    public static void runUntilStopped(Levqor levqor) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                levqor.close();
            } finally {
                stopped.countDown();
            }
        }, "levqor-shutdown"));
        stopped.await();
    }
}
