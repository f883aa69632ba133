package com.levqor.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.api.Json;
import com.levqor.jobs.model.Priority;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.net.Egress;
import com.levqor.jobs.workflows.Workflows;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.Metrics;
import com.levqor.testing.Await;
import com.levqor.testing.JobRows;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CompleterTest {

    @Test
    void aRowTheDatabaseRefusesCostsOnlyItsOwnJobItsOutcome() {
        try (JobRows rows = JobRows.open();
             ErrorReporter reporter = new ErrorReporter(new Metrics(), Optional.empty(), "test")) {
            JobStore store = rows.store();
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                ids.add(rows.queued(Priority.NORMAL, Instant.now().minusSeconds(1), null));
            }
            List<ClaimedJob> claimed = store.claim(ids, "completer-test", Instant.now(), Duration.ofMinutes(5));
            assertThat(claimed).hasSize(7);
            JobMetrics metrics = new JobMetrics(new PrometheusRegistry());
            JobExecutor executor = new JobExecutor(Workflows.discover(), Json.newMapper(), new Egress(List.of()),
                    new RetryPolicy(1_000, 60_000), Clock.systemUTC(), metrics);
            Dispatcher dispatcher = new Dispatcher(Optional.empty(), Optional.empty(), false, new LocalQueue(10_000), true,
                    (async, up) -> { });
            AtomicInteger released = new AtomicInteger();
            Completer completer = new Completer(store, executor, metrics, reporter, dispatcher, () -> { },
                    r -> released.incrementAndGet());
            // Queued before the recorders start: one batch. The fourth result escapes a NUL, which jsonb refuses
            // (as a workflow returning raw JSON could write it); the sixth is a failure.
            ClaimedJob bad = claimed.get(3);
            for (ClaimedJob job : claimed) {
                JobStore.Outcome o = job == bad
                        ? new JobStore.Succeeded(job, "{\"body\":\"ok\\u0000\"}", Instant.now())
                        : job == claimed.get(5)
                        ? new JobStore.Failed(job, "IOException: reset\u0000by peer", Instant.now(),
                                Instant.now().plusSeconds(60), new IOException("reset"))
                        : new JobStore.Succeeded(job, "{\"ok\":true}", Instant.now());
                completer.submit(new RunningJob(job, dispatcher.local()), o);
            }
            completer.start();
            Await.until("every outcome handled", Duration.ofSeconds(30), () -> released.get() == 7);
            completer.close(5_000);

            for (ClaimedJob job : claimed) {
                if (job == bad) {
                    assertThat(rows.state(job.id())).isEqualTo("failed");
                    assertThat(rows.row(job.id()).getLastError())
                            .startsWith("the outcome could not be stored: ERROR: unsupported Unicode escape sequence");
                } else if (job == claimed.get(5)) {
                    assertThat(rows.state(job.id())).isEqualTo("failed");
                    assertThat(rows.row(job.id()).getLastError()).isEqualTo("IOException: reset\\u0000by peer");
                } else {
                    assertThat(rows.state(job.id())).isEqualTo("succeeded");
                    assertThat(rows.row(job.id()).getResult().data()).isEqualTo("{\"ok\": true}");
                }
            }
        }
    }

    @Test
    void nulInJsonIsFoundUnlessItsBackslashIsEscaped() {
        assertThat(JobExecutor.hasNul("{\"a\":\"ok\\u0000\"}")).isTrue();
        assertThat(JobExecutor.hasNul("{\"a\":\"ok\u0000\"}")).isTrue();
        assertThat(JobExecutor.hasNul("{\"a\":\"\\\\\\u0000\"}")).as("an escaped backslash, then a NUL").isTrue();
        assertThat(JobExecutor.hasNul("{\"a\":\"\\\\u0000\"}")).as("a backslash, then the text u0000").isFalse();
        assertThat(JobExecutor.hasNul("{\"a\":\"\\u00001\"}")).isTrue();
        assertThat(JobExecutor.hasNul("{\"a\":1}")).isFalse();
    }

    @Test
    void theErrorAJobsOwnerSeesIsTheExceptionsNameAndMessage() {
        assertThat(JobExecutor.describe(new IllegalStateException("bad input"))).isEqualTo(
                "IllegalStateException: bad input");
        assertThat(JobExecutor.describe(new RuntimeException(new java.net.ConnectException("Connection refused"))))
                .as("a wrapper's message is its cause's toString: shown as it is")
                .isEqualTo("RuntimeException: java.net.ConnectException: Connection refused");
        assertThat(JobExecutor.describe(new java.util.concurrent.ExecutionException(null,
                new java.net.SocketTimeoutException("read timed out"))))
                .as("a wrapper without a message shows its cause").isEqualTo("SocketTimeoutException: read timed out");
        assertThat(JobExecutor.describe(new NullPointerException())).isEqualTo("NullPointerException");
    }
}
