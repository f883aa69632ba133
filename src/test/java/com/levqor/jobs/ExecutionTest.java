package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.db.Database;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Execution rules: priorities, budgets, abandoned leases, graceful shutdown, the queue rollback flag. */
class ExecutionTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    static String submit(TestServer server, String key, String body) {
        Response r = server.post("/api/v1/intake", body, bearer(key));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("job_id").asText();
    }

    static void highBeforeNormalBeforeLow(TestServer server) {
        String key = server.createAccount("prio@example.com", "pro").get("api_key").asText();
        String blocker = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{\"ms\":1000}}");
        Await.status(server, key, blocker, "running", WAIT);
        String low = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{},\"priority\":\"low\"}");
        String normal = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{}}");
        String high = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{},\"priority\":\"high\"}");
        for (String id : List.of(low, normal, high)) {
            Await.status(server, key, id, "succeeded", WAIT);
        }
        long h = CountingWorkflow.STARTED_NANOS.get(UUID.fromString(high));
        long n = CountingWorkflow.STARTED_NANOS.get(UUID.fromString(normal));
        long l = CountingWorkflow.STARTED_NANOS.get(UUID.fromString(low));
        assertThat(h).as("high starts before normal").isLessThan(n);
        assertThat(n).as("normal starts before low").isLessThan(l);
        assertThat(server.get("/api/v1/status/" + high, bearer(key)).json().get("priority").asText()).isEqualTo("high");
    }

    @Test
    void highPriorityIsTakenBeforeNormalBeforeLowInSyncMode() {
        try (TestServer server = TestServer.start(Map.of("WORKER_CONCURRENCY", "1", "WORKER_PREFETCH", "1"))) {
            highBeforeNormalBeforeLow(server);
        }
    }

    @Test
    void highPriorityIsTakenBeforeNormalBeforeLowInAsyncMode() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("WORKER_CONCURRENCY", "1", "WORKER_PREFETCH", "1",
                     "REDIS_URL", redis.url()))) {
            Await.until("async mode", WAIT, () -> server.get("/ops/queue_health").json().get("mode").asText()
                    .equals("async"));
            highBeforeNormalBeforeLow(server);
        }
    }

    @Test
    void aProcessHoldsAtMostTwiceItsThreadsOfLongerJobs() {
        try (TestServer server = TestServer.start(Map.of("WORKER_CONCURRENCY", "2", "WORKER_PREFETCH", "50"))) {
            String key = server.createAccount("hoard@example.com", "pro").get("api_key").asText();
            List<String> ids = new java.util.ArrayList<>();
            StringBuilder batch = new StringBuilder("{\"jobs\":[");
            for (int i = 0; i < 16; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"workflow\":\"delay\",\"payload\":{\"ms\":150}}");
            }
            Response r = server.post("/api/v1/intake/batch", batch.append("]}").toString(), bearer(key));
            assertThat(r.status()).isEqualTo(202);
            r.json().get("jobs").forEach(j -> ids.add(j.get("job_id").asText()));
            int most = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode running = server.get("/api/v1/jobs?status=running&limit=200", bearer(key)).json().get("jobs");
                most = Math.max(most, running.size());
                JsonNode done = server.get("/api/v1/jobs?status=succeeded&limit=200", bearer(key)).json().get("jobs");
                if (done.size() == ids.size()) {
                    break;
                }
                Await.sleep(20);
            }
            assertThat(server.get("/api/v1/jobs?status=succeeded&limit=200", bearer(key)).json().get("jobs"))
                    .hasSize(ids.size());
            assertThat(most).as("jobs claimed at once by a process with 2 threads").isBetween(2, 4);
        }
    }

    @Test
    void intakeOverThePlansDailyBudgetAnswers402() {
        try (TestServer server = TestServer.start(Map.of("BUDGET_FREE_UNITS_PER_DAY", "3",
                "BUDGET_PRO_UNITS_PER_DAY", "20"))) {
            String free = server.createAccount("free-budget@example.com", "free").get("api_key").asText();
            for (int i = 0; i < 3; i++) {
                submit(server, free, "{\"workflow\":\"echo\",\"payload\":{}}");
            }
            Response over = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}", bearer(free));
            assertThat(over.status()).isEqualTo(402);
            assertThat(over.json().get("error").asText()).isEqualTo("budget_exceeded");
            assertThat(over.json().get("message").asText()).contains("free").contains("3 units");
            JsonNode usage = server.get("/api/v1/usage", bearer(free)).json();
            assertThat(usage.get("plan").asText()).isEqualTo("free");
            assertThat(usage.get("units_used").asInt()).isEqualTo(3);
            assertThat(usage.get("units_budget").asInt()).isEqualTo(3);
            assertThat(usage.get("units_remaining").asInt()).isZero();
            assertThat(usage.get("resets_at").asText()).endsWith("T00:00:00Z");

            String pro = server.createAccount("pro-budget@example.com", "pro").get("api_key").asText();
            submit(server, pro, "{\"workflow\":\"echo\",\"payload\":{}}");
            // http.request costs 5 units: 1 + 3*5 = 16 fits in 20, the next does not.
            String req = "{\"workflow\":\"http.request\",\"payload\":{\"url\":\"https://example.com/\"},"
                    + "\"run_at\":\"" + Instant.now().plus(Duration.ofDays(1)) + "\"}";
            for (int i = 0; i < 3; i++) {
                submit(server, pro, req);
            }
            assertThat(server.post("/api/v1/intake", req, bearer(pro)).status()).isEqualTo(402);
            assertThat(server.get("/api/v1/usage", bearer(pro)).json().get("units_used").asInt()).isEqualTo(16);
        }
    }

    @Test
    void jobWhoseWorkerAbandonedItsLeaseRunsAgainAndTheStaleCompletionIsRefused() {
        try (TestServer server = TestServer.start(Map.of("SWEEPER_INTERVAL_MS", "100"))) {
            String key = server.createAccount("lease@example.com", "pro").get("api_key").asText();
            Instant runAt = Instant.now().plusSeconds(2);
            String id = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{},\"run_at\":\"" + runAt + "\"}");
            // A ghost worker claims it the moment it is due and then vanishes without renewing its 1 s lease.
            JobStore store = server.app().jobs().store();
            List<ClaimedJob> ghost = store.claim(List.of(UUID.fromString(id)), "ghost-worker", runAt,
                    Duration.ofSeconds(1));
            assertThat(ghost).hasSize(1);
            assertThat(store.claim(List.of(UUID.fromString(id)), "second", runAt, Duration.ofSeconds(1)))
                    .as("a second claim of a running job loses").isEmpty();
            JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
            assertThat(done.get("attempts").asInt()).isEqualTo(2);
            assertThat(CountingWorkflow.runs(UUID.fromString(id))).isEqualTo(1);
            boolean[] accepted = store.complete(List.of(new JobStore.Succeeded(ghost.get(0), "{\"late\":true}",
                    Instant.now())));
            assertThat(accepted[0]).as("the ghost's late completion").isFalse();
            assertThat(server.get("/api/v1/status/" + id, bearer(key)).json().get("result").get("attempt").asInt())
                    .isEqualTo(2);
        }
    }

    @Test
    void shutdownLetsShortJobsFinishAndReleasesLongOnes() {
        TestServer server = TestServer.start(Map.of("WORKER_SHUTDOWN_GRACE_MS", "1500"));
        String key = server.createAccount("shutdown@example.com", "pro").get("api_key").asText();
        String shortJob = submit(server, key, "{\"workflow\":\"delay\",\"payload\":{\"ms\":400}}");
        String longJob = submit(server, key, "{\"workflow\":\"delay\",\"payload\":{\"ms\":60000}}");
        Await.status(server, key, shortJob, "running", WAIT);
        Await.status(server, key, longJob, "running", WAIT);
        JobStore store = server.app().jobs().store();
        server.close();
        try (Database db = Database.open(new com.levqor.config.DatabaseSettings(
                new com.levqor.config.DatabaseSettings.External(server.jdbcUrl(), java.util.Optional.of("postgres"),
                        java.util.Optional.empty()), 2, 5_000, 15_000, 30_000, 60_000, 90_000), null)) {
            JobStore after = new JobStore(db.dsl());
            assertThat(after.find(UUID.fromString(shortJob)).orElseThrow().status()).isEqualTo("succeeded");
            Job released = after.find(UUID.fromString(longJob)).orElseThrow();
            assertThat(released.status()).isEqualTo("queued");
            // The release does not count against max_attempts: the next claim is a full first try.
            List<ClaimedJob> next = after.claim(List.of(UUID.fromString(longJob)), "next", Instant.now(),
                    Duration.ofSeconds(30));
            assertThat(next).hasSize(1);
            assertThat(next.get(0).attemptsUsed()).isEqualTo(1);
        }
        assertThat(store).isNotNull();
    }

    @Test
    void rollbackFlagRunsJobsInSyncModeWithRedisUp() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url(), "NEW_QUEUE_ENABLED", "false"))) {
            String key = server.createAccount("rollback@example.com", "pro").get("api_key").asText();
            JsonNode health = server.get("/ops/queue_health").json();
            assertThat(health.get("mode").asText()).isEqualTo("sync");
            String id = submit(server, key, "{\"workflow\":\"echo\",\"payload\":{\"x\":1}}");
            Await.status(server, key, id, "succeeded", WAIT);
            JsonNode uptime = server.get("/ops/uptime").json();
            assertThat(uptime.get("status").asText()).isEqualTo("operational");
            assertThat(uptime.get("services").get("redis").asText()).isEqualTo("operational");
            assertThat(uptime.get("services").get("queue").asText()).isEqualTo("operational");
            assertThat(server.get("/metrics").body()).contains("levqor_queue_mode{mode=\"sync\"} 1.0");
        }
    }

    @Test
    void aLongJobsLeaseIsRenewedWhileItRuns() {
        try (TestServer server = TestServer.start(Map.of("JOB_LEASE_SECONDS", "1", "SWEEPER_INTERVAL_MS", "100"))) {
            String key = server.createAccount("renew@example.com", "pro").get("api_key").asText();
            String id = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{\"ms\":3000}}");
            JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
            assertThat(done.get("attempts").asInt()).as("never rescued while running").isEqualTo(1);
            assertThat(CountingWorkflow.runs(UUID.fromString(id))).isEqualTo(1);
        }
    }

    static long backgroundThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("levqor-lease-rescue") || n.startsWith("levqor-retry-promotion")
                        || n.startsWith("levqor-undelivered-dispatch") || n.startsWith("levqor-abandoned-requeue")
                        || n.startsWith("levqor-feed") || n.startsWith("levqor-completer")
                        || n.startsWith("levqor-lease-keeper") || n.startsWith("levqor-callbacks")
                        || n.startsWith("levqor-intake") || n.startsWith("levqor-redis-health")
                        || n.startsWith("levqor-job-") || n.startsWith("levqor-egress"))
                .count();
    }

    @Test
    void jobServicesStartWithTheServerAndStopWithIt() {
        long before = backgroundThreads();
        try (TestRedis redis = TestRedis.start()) {
            TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url()));
            // four feeders, two completers, lease keeper, four sweeper duties, callbacks, Redis health
            assertThat(backgroundThreads() - before).isGreaterThanOrEqualTo(13);
            server.close();
            Await.until("every job service thread to stop", WAIT, () -> backgroundThreads() == before);
        }
    }

    @Test
    void intakeOnlyServerLeavesJobsToAWorkerProcessWithoutRedis() throws Exception {
        try (TestServer server = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "SWEEPER_INTERVAL_MS", "100"))) {
            String key = server.createAccount("scaleout@example.com", "pro").get("api_key").asText();
            String id = submit(server, key, "{\"workflow\":\"test.count\",\"payload\":{}}");
            Await.sleep(500);
            assertThat(server.get("/api/v1/status/" + id, bearer(key)).json().get("status").asText())
                    .as("no workers in the intake-only server").isEqualTo("queued");
            // What `levqor worker` builds: jobs without intake, on the same database, in sync mode.
            Map<String, String> env = TestServer.baseEnv(server.jdbcUrl(), server.logDir());
            env.put("SWEEPER_INTERVAL_MS", "100");
            com.levqor.config.Settings settings = com.levqor.config.Settings.parse(env);
            try (com.levqor.app.Levqor worker = com.levqor.app.Levqor.worker(settings, java.time.Clock.systemUTC())) {
                assertThat(worker.parts()).as("a worker process has no HTTP and no intake")
                        .doesNotContain("http", "intake").contains("worker", "scheduler");
                JsonNode done = Await.status(server, key, id, "succeeded", WAIT);
                assertThat(done.get("attempts").asInt()).isEqualTo(1);
                assertThat(worker.jobs().dispatcher().mode()).isEqualTo("sync");
            }
        }
    }
}
