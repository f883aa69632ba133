package com.levqor.jobs.callbacks;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.RawHttpServer;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Callback receivers that are slow on purpose, on real sockets: one that trickles its answer
 * forever or never answers must not stop other jobs' callbacks, and one that answers slowly must be
 * delivered to once, even with several senders in several processes.
 */
class SlowReceiversTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Pattern WEBHOOK_ID = Pattern.compile("(?im)^webhook-id: *(\\S+)");

    static String submit(TestServer server, String key, String callbackUrl) {
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{},\"callback_url\":\""
                + callbackUrl + "\"}", bearer(key));
        assertThat(r.status()).isEqualTo(202);
        return r.json().get("job_id").asText();
    }

    static String callbackState(TestServer server, String key, String id) {
        return server.get("/api/v1/status/" + id, bearer(key)).json().path("callback_state").asText();
    }

    static List<String> webhookIds(RawHttpServer receiver) {
        List<String> ids = new ArrayList<>();
        for (String head : receiver.heads) {
            Matcher m = WEBHOOK_ID.matcher(head);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    /**
     * With one sender whose wait ended at the answer's headers (the JDK client's request timeout), the
     * first trickling body held every later callback for ever.
     */
    @Test
    void receiversThatTrickleOrNeverAnswerDoNotStopOtherJobsCallbacks() throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        HttpServer normal = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        normal.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            delivered.add(ex.getRequestHeaders().getFirst("webhook-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        normal.start();
        try (RawHttpServer trickling = new RawHttpServer("127.0.0.1", 0,
                RawHttpServer.trickle("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"));
             RawHttpServer silent = new RawHttpServer("127.0.0.1", 0, RawHttpServer.stall());
             TestServer server = TestServer.start(Map.of("HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1",
                     "CALLBACK_TIMEOUT_SECONDS", "3", "RETRY_BASE_DELAY_MS", "100", "RETRY_MAX_DELAY_MS", "300"))) {
            String key = server.createAccount("trickle@example.com", "pro").get("api_key").asText();
            List<String> slowJobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                slowJobs.add(submit(server, key, "http://127.0.0.1:" + trickling.port() + "/hook"));
                slowJobs.add(submit(server, key, "http://127.0.0.1:" + silent.port() + "/hook"));
            }
            Await.until("a slow receiver to be called", WAIT,
                    () -> trickling.connections.get() + silent.connections.get() >= 1);
            Set<String> others = new java.util.HashSet<>();
            for (int i = 0; i < 5; i++) {
                others.add(submit(server, key, "http://127.0.0.1:" + normal.getAddress().getPort() + "/hook"));
            }
            Await.until("every other job's callback to be delivered", WAIT, () -> others.stream()
                    .allMatch(id -> "delivered".equals(callbackState(server, key, id))));
            assertThat(delivered.stream().map(w -> w.replaceAll("^msg_|_succeeded$", "")).collect(Collectors.toSet()))
                    .containsAll(others);
            // The trickling receiver answered 200 before its body: that status is its acknowledgement.
            Await.until("the trickling receiver's callbacks to count as delivered", WAIT, () -> slowJobs.stream()
                    .filter(id -> slowJobs.indexOf(id) % 2 == 0)
                    .allMatch(id -> "delivered".equals(callbackState(server, key, id))));
            // Past the deadline, the client closed the trickling connections.
            Await.until("the trickling connections to be closed", WAIT, trickling.clientClosed::get);
        } finally {
            normal.stop(0);
        }
    }

    /**
     * A receiver that answers its status at once but then takes its time over the body. Two
     * processes each run several senders on one database. The old sender waited for that body and
     * held the delivery for 60 s only, so another process's sender took the same callback again
     * while the first was still in flight.
     */
    @Test
    void aSlowReceiverIsDeliveredToOnceBySeveralSendersInSeveralProcesses() throws Exception {
        try (RawHttpServer slow = new RawHttpServer("127.0.0.1", 0,
                RawHttpServer.trickle("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"));
             TestServer a = TestServer.start(Map.of("HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1", "CALLBACK_SENDERS", "4"));
             TestServer b = TestServer.start(Map.of("HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1", "CALLBACK_SENDERS", "4",
                     "DATABASE_URL", a.jdbcUrl()))) {
            String key = a.createAccount("slow@example.com", "pro").get("api_key").asText();
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                jobs.add(submit(i % 2 == 0 ? a : b, key, "http://127.0.0.1:" + slow.port() + "/hook"));
            }
            Await.until("every callback to be delivered", Duration.ofSeconds(120), () -> jobs.stream()
                    .allMatch(id -> "delivered".equals(callbackState(a, key, id))));
            List<String> ids = webhookIds(slow);
            assertThat(ids).hasSize(6);
            assertThat(Set.copyOf(ids)).hasSize(6);
        }
    }

    @Test
    void eachSenderRunsOnItsOwnThreadAndStopsWithTheProcess() {
        TestServer server = TestServer.start(Map.of("CALLBACK_SENDERS", "3"));
        try {
            Await.until("three sender threads", Duration.ofSeconds(10),
                    () -> senderThreads().containsAll(List.of("levqor-callbacks-1", "levqor-callbacks-2",
                            "levqor-callbacks-3")));
            assertThat(senderThreads()).doesNotContain("levqor-callbacks-4");
        } finally {
            server.close();
        }
        Await.until("the sender threads to end", Duration.ofSeconds(20), () -> senderThreads().isEmpty());
    }

    static Set<String> senderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("levqor-callbacks-")).collect(Collectors.toSet());
    }
}
