package com.levqor.scaleout;

import static com.levqor.db.jooq.Tables.JOBS;
import static com.levqor.db.jooq.Tables.STATUS_DAILY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.api.Json;
import com.levqor.email.Email;
import com.levqor.email.Outbox;
import com.levqor.email.Templates;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.Record4;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Scale-out with real processes: two {@code levqor serve} (intake only, {@code WORKER_CONCURRENCY=0})
 * and two {@code levqor worker} processes share one Postgres and one redis-server, under a steady
 * load of intake spread over both servers. Each job is an {@code http.request} to the test's
 * {@link ExecutionRecorder}, which counts every execution.
 *
 * <p>The scenarios run in order on the same four processes; the last one kills a worker and a
 * server with SIGKILL, so it comes last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150)
class ScaleOutTest {
    static final Duration START = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(60);
    static final int LEASE_SECONDS = 5;
    static final int WORKER_CONCURRENCY = 4;
    static final String SAMPLER_LOCK_LINE = "samples health for the status page (it holds the lock)";

    private final ObjectMapper json = Json.newMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<LevqorProcess> processes = new ArrayList<>();
    private TestRedis redis;
    private FakeResend resend;
    private ExecutionRecorder recorder;
    private DSLContext db;
    private Outbox outbox;
    private LevqorProcess serveA;
    private LevqorProcess serveB;
    private LevqorProcess worker1;
    private LevqorProcess worker2;
    private String loadKey;
    private Load load;
    private final List<String> emailed = new ArrayList<>();

    @BeforeAll
    void startTwoServersAndTwoWorkersOnOnePostgresAndRedis() {
        String jdbcUrl = TestPostgres.newDatabase();
        db = DSL.using(TestPostgres.dataSource(jdbcUrl), SQLDialect.POSTGRES);
        outbox = new Outbox(db, Clock.systemUTC(), json);
        redis = TestRedis.start();
        resend = new FakeResend();
        recorder = new ExecutionRecorder(100);

        Map<String, String> env = new HashMap<>(TestServer.baseEnv(jdbcUrl, java.nio.file.Path.of("unused")));
        env.put("REDIS_URL", redis.url());
        env.put("DB_POOL_SIZE", "6");
        env.put("HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1");
        env.put("JOB_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));
        env.put("SWEEPER_INTERVAL_MS", "100");
        env.put("REDISPATCH_AFTER_MS", "500");
        env.put("RETRY_BASE_DELAY_MS", "100");
        env.put("RETRY_MAX_DELAY_MS", "500");
        env.put("WORKER_PREFETCH", "32");
        env.put("WORKER_SHUTDOWN_GRACE_MS", "2000");
        env.put("RATELIMIT_FREE_PER_MINUTE", "60");
        env.put("STATUS_SAMPLE_SECONDS", "1");
        env.put("RESEND_API_KEY", "re_test_0123456789");
        env.put("EMAIL_FROM", "billing@example.com");
        env.put("RESEND_API_URL", resend.url());
        env.put("EMAIL_POLL_MS", "50");

        Map<String, String> serveEnv = new HashMap<>(env);
        serveEnv.put("WORKER_CONCURRENCY", "0");
        Map<String, String> workerEnv = new HashMap<>(env);
        workerEnv.put("WORKER_CONCURRENCY", Integer.toString(WORKER_CONCURRENCY));
        serveA = started(LevqorProcess.serve("serve-a", serveEnv));
        serveB = started(LevqorProcess.serve("serve-b", serveEnv));
        worker1 = started(LevqorProcess.worker("worker-1", workerEnv));
        worker2 = started(LevqorProcess.worker("worker-2", workerEnv));
        processes.forEach(p -> p.awaitReady(START));

        loadKey = createAccount(serveA, "load@example.com", "pro");
        load = new Load(List.of(serveA, serveB));
        load.start();
        Await.until("the first jobs of the load done", START, () -> load.acknowledged.size() >= 20
                && recorder.total() >= 20);
    }

    private LevqorProcess started(LevqorProcess p) {
        processes.add(p);
        return p;
    }

    @AfterAll
    void stopEverything() {
        if (load != null) {
            load.stop();
        }
        processes.forEach(LevqorProcess::close);
        for (AutoCloseable c : new AutoCloseable[] {recorder, resend, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
    }

    @Test
    @Order(1)
    void aKeysRateLimitHoldsAcrossBothServers() {
        String key = createAccount(serveB, "limited@example.com", "free");
        List<LevqorProcess> servers = List.of(serveA, serveB);
        int accepted = 0;
        Set<String> refusedBy = new HashSet<>();
        long begin = System.nanoTime();
        for (int i = 0; i < 300 && refusedBy.size() < 2; i++) {
            LevqorProcess server = servers.get(i % 2);
            HttpResponse<String> r = send(server, HttpRequest.newBuilder(server.uri("/api/v1/usage"))
                    .header("Authorization", "Bearer " + key).GET());
            if (r.statusCode() == 200) {
                accepted++;
            } else {
                assertThat(r.statusCode()).as("answer %d of %s: %s", i + 1, server, r.body()).isEqualTo(429);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                refusedBy.add(server.toString());
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        // Both servers refuse once the key's one bucket in Redis is empty. Each server on its own bucket
        // would accept 60 requests each (120 in all) before both refused. The bucket refills one token a
        // second (60 a minute, greedily), so the requests of a run of `seconds` may get that many more.
        assertThat(refusedBy).as("servers that answered 429").hasSize(2);
        assertThat(accepted).as("requests accepted across both servers in %.1f s", seconds)
                .isBetween(60, 60 + (int) Math.ceil(seconds) + 1)
                .isLessThan(120);
    }

    @Test
    @Order(2)
    void theStatusSamplerTakesOneSamplePerPeriodAcrossBothServers() {
        poll("a first health sample", START, () -> apiSamples() > 0);
        long before = apiSamples();
        long begin = System.nanoTime();
        Await.sleep(6_000);
        long after = apiSamples();
        double seconds = (System.nanoTime() - begin) / 1e9;
        // STATUS_SAMPLE_SECONDS=1: one sampler takes at most one sample a second (plus one taken just
        // before the first count and written after it); two samplers would take about twice as many.
        assertThat(after - before).as("samples of the api component in %.1f s", seconds)
                .isBetween(1L, (long) Math.floor(seconds) + 2);
        assertThat(List.of(serveA, serveB)).as("servers that hold the sampler's lock")
                .filteredOn(p -> p.output().contains(SAMPLER_LOCK_LINE)).hasSize(1);
    }

    @Test
    @Order(3)
    void eachOutboxEmailIsSentOnceByOneOfTheServers() {
        queueEmails("first", 10);
        Await.until("10 emails delivered", SETTLE, () -> resend.delivered().size() == 10);
        // Both servers poll the outbox every 50 ms; only the holder of the email lock sends.
        assertThat(requestsPerKey()).hasSize(10).allSatisfy((k, n) -> assertThat(n).as("requests of %s", k).isOne());
    }

    @Test
    @Order(4)
    void killingAWorkerAndAServerUnderLoadLosesNothingAndRunsNoJobTwice() {
        // A worker killed while it runs jobs: its claims are left behind until their lease ends.
        String owner = "%-" + worker1.pid() + "-%";
        poll(worker1 + " holding claims", SETTLE, () -> db.fetchCount(JOBS,
                JOBS.STATE.eq("running").and(JOBS.LEASE_OWNER.like(owner))) > 0);
        worker1.kill();
        Set<UUID> orphaned = new HashSet<>(db.select(JOBS.ID).from(JOBS)
                .where(JOBS.STATE.eq("running").and(JOBS.LEASE_OWNER.like(owner))).fetch(JOBS.ID));
        assertThat(orphaned).as("jobs the killed worker held").isNotEmpty();
        int beforeServerKill = load.acknowledged.size();
        Await.until("more jobs acknowledged after the worker's death", SETTLE,
                () -> load.acknowledged.size() >= beforeServerKill + 20);

        // A server killed while it takes jobs: what it acknowledged is committed.
        serveA.kill();
        int afterServerKill = load.acknowledged.size();
        Await.until("more jobs acknowledged by the surviving server", SETTLE,
                () -> load.acknowledged.size() >= afterServerKill + 20);
        load.stop();
        queueEmails("second", 5);

        Map<UUID, String> acknowledged = Map.copyOf(load.acknowledged);
        poll("every acknowledged job succeeded", SETTLE, () -> db.fetchCount(JOBS,
                JOBS.ID.in(acknowledged.keySet()).and(JOBS.STATE.eq("succeeded"))) == acknowledged.size());
        // Jobs stored but never answered (the killed server's last requests) finish too.
        poll("no job left unfinished", SETTLE, () -> db.fetchCount(JOBS,
                JOBS.STATE.ne("succeeded")) == 0);

        var rows = db.select(JOBS.ID, JOBS.STATE, JOBS.ATTEMPT, DSL.field("payload->>'url'", String.class))
                .from(JOBS).fetch();
        assertThat(rows.stream().map(Record4::value1).toList()).as("acknowledged jobs stored")
                .containsAll(acknowledged.keySet());
        List<String> twice = new ArrayList<>();
        for (Record4<UUID, String, Integer, String> row : rows) {
            UUID id = row.value1();
            int runs = recorder.runs(ExecutionRecorder.tokenOf(row.value4()));
            assertThat(runs).as("executions of succeeded job %s", id).isGreaterThanOrEqualTo(1)
                    .isLessThanOrEqualTo(row.value3());
            if (runs > 1) {
                twice.add(id + " (" + runs + " runs)");
                // Only a run cut off by the kill is run again: the killed worker held its claim.
                assertThat(orphaned).as("job %s ran %d times", id, runs).contains(id);
            }
        }
        assertThat(twice.size()).as("jobs run again: %s", twice).isLessThanOrEqualTo(orphaned.size());
        System.out.printf("scale-out: %d jobs acknowledged, %d requests unanswered, %d stored, %d claims left by the "
                + "killed worker, %d jobs run twice (a run the kill cut off)%n", acknowledged.size(),
                load.unanswered.get(), rows.size(), orphaned.size(), twice.size());
        assertThat(acknowledged.keySet().stream().filter(id -> !orphaned.contains(id))
                .map(id -> recorder.runs(ExecutionRecorder.tokenOf(acknowledged.get(id)))))
                .as("executions of every job the kills did not cut off").containsOnly(1);

        // The surviving server sends what was queued after the other one died, once each.
        Await.until("15 emails delivered", SETTLE, () -> resend.delivered().size() == 15);
        assertThat(requestsPerKey()).hasSize(15).allSatisfy((k, n) -> assertThat(n).as("requests of %s", k).isOne());
        assertThat(resend.delivered().stream().map(b -> b.path("to").path(0).asText()).toList())
                .containsExactlyInAnyOrderElementsOf(emailed);
        assertThat(worker2.isAlive()).isTrue();
        assertThat(serveB.isAlive()).isTrue();
    }

    /** Like {@link Await#until}, asking every 250 ms: the conditions are database queries. */
    private static void poll(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            Await.sleep(250);
        }
    }

    private long apiSamples() {
        Long n = db.select(DSL.coalesce(DSL.sum(STATUS_DAILY.SAMPLES), DSL.inline(java.math.BigDecimal.ZERO)))
                .from(STATUS_DAILY).where(STATUS_DAILY.COMPONENT.eq("api")).fetchOne(0, Long.class);
        return n == null ? 0 : n;
    }

    private void queueEmails(String batch, int n) {
        for (int i = 0; i < n; i++) {
            String to = batch + i + "@example.com";
            assertThat(outbox.queue(Email.of(Templates.PAYMENT_FAILED, to, Map.of("plan_name", "Pro")))).isTrue();
            emailed.add(to);
        }
    }

    private Map<String, Long> requestsPerKey() {
        return resend.requests().stream().collect(Collectors.groupingBy(FakeResend.Request::idempotencyKey,
                Collectors.counting()));
    }

    private String createAccount(LevqorProcess server, String email, String plan) {
        HttpResponse<String> r = send(server, HttpRequest.newBuilder(server.uri("/ops/accounts"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"plan\":\"" + plan + "\"}")));
        assertThat(r.statusCode()).as("account created: %s", r.body()).isEqualTo(201);
        return parse(r.body()).get("api_key").asText();
    }

    private HttpResponse<String> send(LevqorProcess server, HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(server + " did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private JsonNode parse(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /**
     * Steady intake: two client threads, each sending one job at a time to the servers in turn
     * (about 30 jobs a second each), until stopped or 3,000 jobs. A job is acknowledged by a 202;
     * a refused connection or a cut answer (a killed server) is not.
     */
    private final class Load {
        final Map<UUID, String> acknowledged = new ConcurrentHashMap<>();
        final AtomicInteger unanswered = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger sent = new AtomicInteger();
        private final List<LevqorProcess> servers;
        private final List<Thread> threads = new ArrayList<>();

        Load(List<LevqorProcess> servers) {
            this.servers = servers;
        }

        void start() {
            for (int t = 0; t < 2; t++) {
                Thread thread = new Thread(this::run, "scaleout-load-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void run() {
            while (!stop.get()) {
                int n = sent.getAndIncrement();
                if (n >= 3_000) {
                    return;
                }
                LevqorProcess server = servers.get(n % servers.size());
                String url = recorder.url(UUID.randomUUID().toString());
                String body = "{\"workflow\":\"http.request\",\"max_attempts\":5,"
                        + "\"payload\":{\"method\":\"POST\",\"url\":\"" + url + "\",\"body\":{\"n\":" + n + "}}}";
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.uri("/api/v1/intake"))
                            .timeout(Duration.ofSeconds(20))
                            .header("Authorization", "Bearer " + loadKey).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 202) {
                        acknowledged.put(UUID.fromString(parse(r.body()).get("job_id").asText()), url);
                    } else {
                        unanswered.incrementAndGet();
                    }
                } catch (IOException e) {
                    unanswered.incrementAndGet();
                } catch (InterruptedException e) {
                    return;
                }
                Await.sleep(30);
            }
        }

        void stop() {
            stop.set(true);
            for (Thread t : threads) {
                try {
                    t.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
