package com.levqor.cli;

import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code levqor serve}: HTTP API, workers and scheduler until SIGTERM/SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start the HTTP API (default command). On SIGTERM: /readyz answers 503 for SHUTDOWN_DRAIN_MS "
                + "while every other route is still served, then a graceful stop; exit status 0.")
public final class ServeCommand extends EnvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return serve(env, spec.commandLine().getErr());
    }

    /**
     * The whole of {@code levqor serve}: exit status 2 after printing every configuration problem to
     * {@code err}, otherwise 0 once a signal has stopped the server. {@code Main} calls this directly
     * for a bare {@code levqor serve} (no picocli on the way: its model of every command costs a
     * fifth of a second of the cold start).
     */
    public static int serve(Map<String, String> env, PrintWriter err) throws InterruptedException {
        Settings settings = Cli.settings(env, err);
        if (settings == null) {
            return Cli.badConfig();
        }
        runUntilStopped(() -> Levqor.start(settings, Clock.systemUTC()));
        return 0;
    }

    /**
     * Starts the process, then returns once a signal has stopped it (tests start serve with clocks of
     * their own). The signals are taken over before the start: one that comes while it starts stops
     * the process once it has started, the same way (the JVM's default would end it at once, status
     * 143, without closing anything: an embedded Postgres it had started kept running).
     * SIGTERM (what systemd, Kubernetes and {@code docker stop} send) drains first ({@link Levqor#drain});
     * SIGINT (Ctrl-C at a terminal, with no load balancer to wait for) stops at once; a second signal
     * cuts a drain short. Then the graceful stop. Any other end of the JVM (System.exit, SIGHUP)
     * still closes everything through the shutdown hook.
     */
    public static void runUntilStopped(Supplier<Levqor> start) throws InterruptedException {
        StopSignals signals = StopSignals.install();
        Levqor levqor = start.get();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                levqor.close();
            } finally {
                stopped.countDown();
            }
        }, "levqor-shutdown"));
        if (!signals.installed()) {
            stopped.await();
            return;
        }
        if ("TERM".equals(signals.await())) {
            levqor.drain(signals.again());
        }
        levqor.close();
    }
}
