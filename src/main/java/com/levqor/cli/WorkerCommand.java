package com.levqor.cli;

import com.levqor.Version;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.db.PoolMetrics;
import com.levqor.api.Json;
import com.levqor.email.DeadLetterAlerts;
import com.levqor.email.Outbox;
import com.levqor.jobs.Jobs;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.LogSetup;
import com.levqor.ops.Metrics;
import com.levqor.redis.RedisConnections;
import java.util.Optional;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
        LogSetup.configure(settings.ops().logDir(), settings.ops().errorLogMaxBytes());
        Metrics metrics = new Metrics();
        ErrorReporter reporter = new ErrorReporter(metrics, settings.ops().sentryDsn(), Version.get());
        Database db = Database.open(settings.database(), new PoolMetrics(metrics.registry()));
        Optional<RedisConnections> redis = RedisConnections.open(settings.redis());
        Jobs jobs;
        try {
            db.migrate();
            jobs = new Jobs(settings, db, Clock.systemUTC(), Json.newMapper(), metrics, reporter, null, false, redis,
                    DeadLetterAlerts.of(settings.email(), new Outbox(db.dsl(), Clock.systemUTC(), Json.newMapper())));
            redis.ifPresent(r -> r.health().start());
            jobs.start();
        } catch (RuntimeException e) {
            redis.ifPresent(RedisConnections::close);
            db.close();
            reporter.close();
            throw e;
        }
        log.info("Levqor worker {} running ({} thread(s), queue mode {})", Version.get(),
                settings.queue().workerConcurrency(), jobs.dispatcher().mode());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                jobs.close();
                redis.ifPresent(RedisConnections::close);
                db.close();
                reporter.close();
            } finally {
                LogSetup.flush();
                stopped.countDown();
            }
        }, "levqor-worker-shutdown"));
        stopped.await();
        return 0;
    }
}
