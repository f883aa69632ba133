package com.levqor.cli;

import com.levqor.runtime.Version;
import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code levqor worker}: workers, sweeper and callbacks only (no HTTP), for scaling out. Shares the
 * database and Redis of the {@code serve} processes; stops gracefully on SIGTERM (running jobs
 * finish within {@code WORKER_SHUTDOWN_GRACE_MS} or are released for another worker).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run job workers only (no HTTP), to scale out. Stops gracefully on SIGTERM.")
public final class WorkerCommand extends EnvCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(WorkerCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Settings settings = Cli.settings(env, spec.commandLine().getErr());
        if (settings == null) {
            return Cli.badConfig();
        }
        if (settings.queue().workerConcurrency() == 0) {
            spec.commandLine().getErr().println("levqor: WORKER_CONCURRENCY=0 leaves a worker process nothing to do");
            return Cli.badConfig();
        }
        ServeCommand.runUntilStopped(() -> {
            Levqor worker = Levqor.worker(settings, Clock.systemUTC());
            log.info("Levqor worker {} running ({} thread(s), queue mode {})", Version.get(),
                    settings.queue().workerConcurrency(), worker.jobs().dispatcher().mode());
            return worker;
        });
        return 0;
    }
}
