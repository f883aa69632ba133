package com.levqor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.testing.Await;
import com.levqor.testing.RawHttp;
import com.levqor.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The drain of {@code levqor serve} as a load balancer meets it: a real process, clients that keep
 * sending (a new connection per request, as after a load balancer's pick) while it receives SIGTERM.
 * Readiness turns 503 first; the other requests keep getting whole answers until the clients stop
 * sending (the load balancer noticed), well inside the drain; then the graceful stop, exit status 0.
 */
class DrainProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DRAIN_MS = 3_000;
    /** How long the clients keep sending after they saw readiness fail: a load balancer's reaction. */
    private static final long SENDING_AFTER_NOT_READY_MS = 1_000;

    /** One request's fate. */
    private record Outcome(String what, long startedNanos, String result) {
    }

    @Test
    void sigtermTurnsReadinessFirstThenServesEverythingElseUntilTheDrainEnds() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp").toAbsolutePath(), "drain-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>();
        env.put("PORT", Integer.toString(port));
        env.put("HOST", "127.0.0.1");
        env.put("LEVQOR_DATA_DIR", dir.resolve("data").toString());
        env.put("LOG_DIR", dir.resolve("logs").toString());
        env.put("ADMIN_KEY", TestServer.ADMIN_KEY);
        env.put("BACKUPS_ENABLED", "false");
        env.put("SHUTDOWN_DRAIN_MS", Long.toString(DRAIN_MS));
        env.put("RATELIMIT_IP_PER_MINUTE", "1000000");
        env.put("RATELIMIT_FREE_PER_MINUTE", "1000000");
        File log = dir.resolve("serve.out").toFile();
        Process serve = ServeProcesses.serve(env, log.toPath()).start();
        AtomicBoolean sending = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        try {
            Await.until("/readyz 200", Duration.ofSeconds(90), () -> "200".equals(status(call(port, get("/readyz")))));
            String created = call(port, post("/ops/accounts", "{\"email\":\"drain@example.com\"}",
                    "Authorization: Bearer " + TestServer.ADMIN_KEY));
            assertThat(status(created)).as(created).isEqualTo("201");
            String key = JSON.readTree(created.substring(4)).get("api_key").asText();

            ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
            AtomicLong notReadyAt = new AtomicLong();
            AtomicLong drainingSeen = new AtomicLong();
            Map<String, String> requests = Map.of(
                    "GET /api/v1/status", get("/api/v1/status"),
                    "POST /api/v1/intake", post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{\"n\":1}}",
                            "Authorization: Bearer " + key),
                    "GET /livez", get("/livez"));
            for (Map.Entry<String, String> r : requests.entrySet()) {
                clients.add(client(r.getKey(), r.getValue(), port, sending, outcomes));
            }
            clients.add(new Thread(() -> {
                while (sending.get()) {
                    long started = System.nanoTime();
                    String answer = call(port, get("/readyz"));
                    outcomes.add(new Outcome("GET /readyz", started, answer));
                    if ("503".equals(status(answer)) && notReadyAt.get() == 0) {
                        notReadyAt.set(System.nanoTime());
                        if (answer.contains("\"status\":\"draining\"")) {
                            drainingSeen.set(1);
                        }
                    }
                    pause(20);
                }
            }, "readyz-prober"));
            clients.forEach(Thread::start);

            Await.until("requests flowing", Duration.ofSeconds(30), () -> outcomes.size() > 20);
            serve.destroy(); // SIGTERM
            Await.until("/readyz 503 after SIGTERM", Duration.ofSeconds(30), () -> notReadyAt.get() != 0);
            pause(SENDING_AFTER_NOT_READY_MS);
            sending.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }

            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("stopped within a minute").isTrue();
            assertThat(serve.exitValue()).as("exit status after a clean stop").isZero();

            assertThat(drainingSeen.get()).as("the 503 says draining").isEqualTo(1);
            List<Outcome> all = new ArrayList<>(outcomes);
            assertThat(all).as("no connection refused, no answer cut")
                    .allSatisfy(o -> assertThat(o.result()).as(o.what()).doesNotStartWith("REFUSED")
                            .doesNotStartWith("CUT"));
            assertThat(all).filteredOn(o -> !o.what().equals("GET /readyz"))
                    .allSatisfy(o -> assertThat(status(o.result())).as(o.what() + ": " + o.result())
                            .isIn("200", "202"));
            List<Outcome> duringDrain = all.stream()
                    .filter(o -> !o.what().equals("GET /readyz") && o.startedNanos() > notReadyAt.get()).toList();
            assertThat(duringDrain).extracting(Outcome::what).as("served after readiness went 503")
                    .contains("GET /api/v1/status", "POST /api/v1/intake", "GET /livez");
            // Once readiness has failed, it does not come back.
            long firstNotReady = notReadyAt.get();
            assertThat(all).filteredOn(o -> o.what().equals("GET /readyz") && o.startedNanos() > firstNotReady)
                    .allSatisfy(o -> assertThat(status(o.result())).isEqualTo("503"));
        } finally {
            sending.set(false);
            if (serve.isAlive()) {
                serve.destroyForcibly();
            }
        }
        String out = Files.readString(log.toPath());
        assertThat(out).contains("Received SIGTERM").contains("Draining for " + DRAIN_MS + " ms")
                .contains("Drain ended after").contains("Levqor stopped");
        assertThat(out.indexOf("Drain ended after")).isLessThan(out.indexOf("Levqor stopping"));
        assertThat(dir.resolve("data/postmaster.pid")).as("Postgres stopped cleanly").doesNotExist();
    }

    private static Thread client(String what, String request, int port, AtomicBoolean sending,
                                 ConcurrentLinkedQueue<Outcome> outcomes) {
        return new Thread(() -> {
            while (sending.get()) {
                long started = System.nanoTime();
                outcomes.add(new Outcome(what, started, call(port, request)));
                pause(5);
            }
        }, "client " + what);
    }

    /**
     * One request on a new connection: "REFUSED …" when no connection was made, "CUT …" when the
     * connection was made but no whole answer came back, else "status body".
     */
    private static String call(int port, String request) {
        Socket socket = new Socket();
        try (socket) {
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            } catch (ConnectException e) {
                return "REFUSED " + e.getMessage();
            }
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            List<String> answers = RawHttp.answers(socket.getInputStream(), 1);
            return answers.isEmpty() ? "CUT no whole answer" : answers.get(0);
        } catch (IOException e) {
            return "CUT " + e;
        }
    }

    private static String status(String answer) {
        return answer.length() >= 3 ? answer.substring(0, 3) : answer;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    }

    private static String post(String path, String body, String header) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + header
                + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n" + body;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
