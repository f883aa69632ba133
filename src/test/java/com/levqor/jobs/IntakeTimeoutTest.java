package com.levqor.jobs;

import com.levqor.jobs.model.Priority;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Plan;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.db.GroupCommit;
import com.levqor.db.PoolMetrics;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import com.levqor.usage.UsageLedger;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A hanging database does not hold intake's answers forever: past the answer timeout a request
 * whose batch is stuck in its commit is answered "unconfirmed" (its job may still land, and does),
 * and one still queued behind the stuck writers is taken out unwritten (it never lands).
 */
class IntakeTimeoutTest {
    @Test
    void stuckCommitsAreAnsweredAndQueuedRequestsDropped() throws Exception {
        String url = TestPostgres.newDatabase();
        Settings settings = Settings.parse(TestServer.baseEnv(url, Path.of("target", "tmp", "logs-intake-timeout")));
        JobMetrics metrics = new JobMetrics(new PrometheusRegistry());
        try (Database db = Database.open(settings.database(), new PoolMetrics(new PrometheusRegistry()))) {
            Clock clock = Clock.systemUTC();
            AccountService accounts = new AccountService(db.dsl(), clock);
            UUID a = accounts.create("stuck-a@example.com", Plan.PRO).accountId();
            UUID b = accounts.create("stuck-b@example.com", Plan.PRO).accountId();
            Dispatcher dispatcher = new Dispatcher(Optional.empty(), Optional.empty(), false, new LocalQueue(10_000), false,
                    metrics::queueState);
            DataSource direct = TestPostgres.dataSource(url);
            try (Intake intake = new Intake(db.dsl(), clock, new JobStore(db.dsl()),
                    new UsageLedger(db.dsl(), clock, settings.queue()), dispatcher, metrics, 600);
                 Connection lock = direct.getConnection()) {
                intake.start();
                // Another session holds both accounts' usage rows: each batch's budget charge waits on it.
                lock.setAutoCommit(false);
                LocalDate today = LocalDate.now(ZoneOffset.UTC);
                for (UUID account : List.of(a, b)) {
                    try (PreparedStatement s = lock.prepareStatement(
                            "insert into usage_daily (account_id, day, units) values (?, ?, 0)")) {
                        s.setObject(1, account);
                        s.setObject(2, today);
                        s.executeUpdate();
                    }
                }
                CompletableFuture<List<IntakeResult>> first = intake.submit(List.of(job(a, "first")));
                Thread.sleep(200); // the first writer takes it and waits on the lock
                CompletableFuture<List<IntakeResult>> second = intake.submit(List.of(job(b, "second")));
                Thread.sleep(200); // so does the second writer
                CompletableFuture<List<IntakeResult>> third = intake.submit(List.of(job(a, "third")));

                assertThat(failure(first)).isInstanceOf(GroupCommit.Unconfirmed.class);
                assertThat(failure(second)).isInstanceOf(GroupCommit.Unconfirmed.class);
                Throwable dropped = failure(third);
                assertThat(dropped).isInstanceOf(TimeoutException.class).isNotInstanceOf(GroupCommit.Unconfirmed.class);

                lock.rollback(); // the database recovers: the stuck commits land, the dropped request never does
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (stored(db, "first") + stored(db, "second") < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(stored(db, "first")).isEqualTo(1);
                assertThat(stored(db, "second")).isEqualTo(1);
                Thread.sleep(300);
                assertThat(stored(db, "third")).isZero();
            }
        }
    }

    private static NewJob job(UUID account, String key) {
        return new NewJob(account, Plan.PRO, "echo", "{}", Priority.NORMAL, Instant.now(), 3, 60, key, null, 1);
    }

    private static Throwable failure(CompletableFuture<List<IntakeResult>> f) throws InterruptedException {
        try {
            List<IntakeResult> r = f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("answered instead of timing out: " + r);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 10 s: the watchdog did not fail it");
        }
    }

    private static int stored(Database db, String key) {
        return db.dsl().fetchCount(com.levqor.db.jooq.Tables.JOBS,
                com.levqor.db.jooq.Tables.JOBS.IDEMPOTENCY_KEY.eq(key));
    }
}
