package com.levqor.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Plan;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.db.PoolMetrics;
import com.levqor.jobs.model.Priority;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import com.levqor.usage.UsageLedger;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Intake's threads (two writers, the watchdog, the dispatch thread) run from start to close, and only then. */
class IntakeStartStopTest {
    private static long intakeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("levqor-intake-")).count();
    }

    @Test
    void startRunsEveryThreadAndCloseStopsThemAll() throws Exception {
        String url = TestPostgres.newDatabase();
        Settings settings = Settings.parse(TestServer.baseEnv(url, Path.of("target", "tmp", "logs-intake-start-stop")));
        JobMetrics metrics = new JobMetrics(new PrometheusRegistry());
        try (Database db = Database.open(settings.database(), new PoolMetrics(new PrometheusRegistry()))) {
            Clock clock = Clock.systemUTC();
            UUID account = new AccountService(db.dsl(), clock).create("start-stop@example.com", Plan.PRO).accountId();
            Dispatcher dispatcher = new Dispatcher(Optional.empty(), Optional.empty(), false, new LocalQueue(10_000), false,
                    metrics::queueState);
            long before = intakeThreads();
            Intake intake = new Intake(db.dsl(), clock, new JobStore(db.dsl()),
                    new UsageLedger(db.dsl(), clock, settings.queue()), dispatcher, metrics);
            assertThat(intakeThreads()).as("nothing runs before start").isEqualTo(before);

            intake.start();
            assertThat(intakeThreads() - before).as("levqor-intake-1, -2, -watchdog, -dispatch").isEqualTo(4);
            NewJob job = new NewJob(account, Plan.PRO, "echo", "{}", Priority.NORMAL, Instant.now(), 3, 60, null, null, 1);
            assertThat(intake.submitAndWait(job, 10_000)).isInstanceOf(IntakeResult.Created.class);

            intake.close();
            assertThat(intake.stopped()).isTrue();
            assertThat(intakeThreads()).isEqualTo(before);
            assertThatThrownBy(() -> intake.submit(List.of(job))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("intake is stopped");
        }
    }
}
