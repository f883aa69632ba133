package com.levqor.redis;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.levqor.jobs.CountingWorkflow;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestSentinels;
import com.levqor.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * Redis Sentinel for real: a master, a replica and three sentinels (redis-server processes on
 * loopback), a server configured with {@code REDIS_SENTINELS} under a steady load of intake and
 * execution, and the master killed with SIGKILL. The sentinels promote the replica; the queue runs in
 * sync mode while no master answers and goes back to Redis on the promoted replica by itself; every
 * acknowledged job finishes exactly once. The figures (time from the kill to sync, and to the queue
 * being on Redis again) are printed and written to {@code target/sentinel/failover.json}.
 */
class SentinelFailoverTest {
    /** Generous bound for "it fails back at all": down-after (1 s) + election + promotion take a few seconds. */
    static final Duration FAIL_BACK_BOUND = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(90);
    static final Path REPORT = Path.of("target", "sentinel", "failover.json");

    @Test
    void killedMasterIsFollowedToThePromotedReplicaLosingAndRepeatingNoJob() throws Exception {
        try (TestSentinels redis = TestSentinels.start("levqor-failover");
             TestServer server = TestServer.start(Map.of(
                     "REDIS_SENTINELS", redis.sentinelsEnv(),
                     "REDIS_SENTINEL_MASTER", redis.masterName(),
                     "REDIS_CHECK_INTERVAL_MS", "100",
                     "SWEEPER_INTERVAL_MS", "200",
                     "REDISPATCH_AFTER_MS", "2000",
                     "WORKER_CONCURRENCY", "8"))) {
            String key = server.createAccount("sentinel@example.com", "pro").get("api_key").asText();
            Await.until("async mode on the first master", Duration.ofSeconds(30), () -> mode(server).equals("async"));
            assertThat(clientNames(redis.masterPort())).as("Levqor's pool on the first master").contains("levqor");

            ModeLog modes = new ModeLog(server);
            Load load = new Load(server, key);
            modes.start();
            load.start();
            Await.until("jobs acknowledged before the kill", Duration.ofSeconds(30), () -> load.acknowledged.size() >= 50);

            redis.killMaster();
            long killed = System.nanoTime();
            modes.markKill(killed);
            Await.until("sync mode after the master died", Duration.ofSeconds(30), () -> modes.syncAfterKillNanos() >= 0);
            Await.until("async mode on the promoted replica", FAIL_BACK_BOUND, () -> modes.asyncAfterSyncNanos() >= 0);
            long syncMillis = (modes.syncAfterKillNanos() - killed) / 1_000_000;
            long backMillis = (modes.asyncAfterSyncNanos() - killed) / 1_000_000;
            int ackedAtFailBack = load.acknowledged.size();

            HostAndPort promoted = redis.currentMaster();
            assertThat(promoted.getPort()).as("the master the sentinels name now").isEqualTo(redis.replicaPort());
            assertThat(clientNames(redis.replicaPort())).as("Levqor's pool on the promoted replica").contains("levqor");

            // More load on the new master, then let every acknowledged job settle.
            Await.until("jobs acknowledged after the fail-back", Duration.ofSeconds(30),
                    () -> load.acknowledged.size() >= ackedAtFailBack + 50);
            load.stop();
            modes.stop();
            List<String> acknowledged = List.copyOf(load.acknowledged);
            List<String> notFinished = unfinished(server, key, acknowledged);
            List<String> runTwice = acknowledged.stream()
                    .filter(id -> CountingWorkflow.runs(UUID.fromString(id)) > 1).toList();

            Map<String, Object> report = new LinkedHashMap<>();
            report.put("scenario", "Redis Sentinel: master killed with SIGKILL under load");
            report.put("command", "mvn test -Dtest=SentinelFailoverTest");
            report.put("down_after_ms", TestSentinels.DOWN_AFTER_MILLIS);
            report.put("kill_to_sync_ms", syncMillis);
            report.put("kill_to_redis_again_ms", backMillis);
            report.put("old_master_port", redis.masterPort());
            report.put("new_master_port", promoted.getPort());
            report.put("jobs_acknowledged", acknowledged.size());
            report.put("jobs_lost", notFinished.size());
            report.put("jobs_run_twice", runTwice.size());
            report.put("intake_errors_answered", load.errors.get());
            report.put("intake_error_samples", load.errorSamples);
            report.put("modes_seen", modes.transitions());
            Files.createDirectories(REPORT.getParent());
            String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
            Files.writeString(REPORT, json);
            System.out.println("Sentinel failover figures (" + REPORT + "):\n" + json);

            assertThat(notFinished).as("acknowledged jobs that never succeeded").isEmpty();
            assertThat(runTwice).as("jobs that ran more than once").isEmpty();
            assertThat(load.errors.get()).as("intake answers other than 202: " + load.errorSamples).isZero();
            assertThat(server.get("/ops/uptime").json().get("status").asText()).isEqualTo("operational");
        }
    }

    static String mode(TestServer server) {
        return server.get("/ops/queue_health").json().get("mode").asText();
    }

    /** The client names connected to the Redis on {@code port} ({@code CLIENT LIST}). */
    static Set<String> clientNames(int port) {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            for (String line : j.clientList().split("\n")) {
                for (String field : line.split(" ")) {
                    if (field.startsWith("name=") && field.length() > 5) {
                        names.add(field.substring(5));
                    }
                }
            }
            return names;
        }
    }

    /** Waits for every job to succeed; returns those that did not within {@link #SETTLE}. */
    static List<String> unfinished(TestServer server, String key, List<String> ids) {
        List<String> pending = new ArrayList<>(ids);
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            pending.removeIf(id -> "succeeded".equals(
                    server.get("/api/v1/status/" + id, bearer(key)).json().path("status").asText()));
            if (!pending.isEmpty()) {
                Await.sleep(500);
            }
        }
        return pending;
    }

    /** Two clients submitting jobs back to back, keeping every acknowledged id and counting other answers. */
    static final class Load {
        final List<String> acknowledged = new CopyOnWriteArrayList<>();
        final AtomicInteger errors = new AtomicInteger();
        final List<String> errorSamples = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final TestServer server;
        private final String key;

        Load(TestServer server, String key) {
            this.server = server;
            this.key = key;
        }

        void start() {
            for (int t = 0; t < 2; t++) {
                Thread thread = new Thread(this::submitLoop, "sentinel-load-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void submitLoop() {
            int i = 0;
            while (running.get()) {
                try {
                    Response r = server.post("/api/v1/intake",
                            "{\"workflow\":\"test.count\",\"payload\":{\"ms\":10,\"i\":" + i++ + "}}", bearer(key));
                    if (r.status() == 202) {
                        acknowledged.add(r.json().get("job_id").asText());
                    } else {
                        error(r.status() + " " + r.body());
                    }
                } catch (RuntimeException e) {
                    error(e.toString());
                }
                Await.sleep(5);
            }
        }

        private void error(String what) {
            errors.incrementAndGet();
            if (errorSamples.size() < 5) {
                errorSamples.add(what);
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }

    /** The queue mode as {@code /ops/queue_health} reports it, polled every 50 ms, with when it changed. */
    static final class ModeLog {
        private final TestServer server;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<String> transitions = new CopyOnWriteArrayList<>();
        private volatile long killNanos = Long.MAX_VALUE;
        private volatile long syncNanos = -1;
        private volatile long asyncNanos = -1;
        private Thread thread;

        ModeLog(TestServer server) {
            this.server = server;
        }

        void start() {
            thread = new Thread(() -> {
                String last = null;
                while (running.get()) {
                    long now = System.nanoTime();
                    String mode;
                    try {
                        mode = mode(server);
                    } catch (RuntimeException e) {
                        mode = "unknown";
                    }
                    if (!mode.equals(last)) {
                        long sinceKill = killNanos == Long.MAX_VALUE ? -1 : (now - killNanos) / 1_000_000;
                        transitions.add(mode + (sinceKill < 0 ? " (before the kill)" : " at +" + sinceKill + " ms"));
                        last = mode;
                    }
                    if (now >= killNanos && mode.equals("sync") && syncNanos < 0) {
                        syncNanos = now;
                    }
                    if (syncNanos >= 0 && mode.equals("async") && asyncNanos < 0) {
                        asyncNanos = now;
                    }
                    Await.sleep(50);
                }
            }, "sentinel-mode-log");
            thread.setDaemon(true);
            thread.start();
        }

        void markKill(long nanos) {
            killNanos = nanos;
        }

        long syncAfterKillNanos() {
            return syncNanos;
        }

        long asyncAfterSyncNanos() {
            return asyncNanos;
        }

        List<String> transitions() {
            return List.copyOf(transitions);
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }
}
