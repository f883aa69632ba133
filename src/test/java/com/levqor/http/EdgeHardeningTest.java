package com.levqor.http;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.RawHttp;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the HTTP edge by an anonymous client or one tenant, on real sockets (issue 11): each
 * test failed before its fix. Bounds are generous: they tell "answered" from "hung", never speed.
 */
class EdgeHardeningTest {
    private static final Pattern SERIES = Pattern.compile("(?m)^levqor_http_request_duration_seconds_count\\{.*$");
    private static final String ECHO = "{\"workflow\":\"echo\",\"payload\":{}}";

    private static int series(TestServer s) {
        Matcher m = SERIES.matcher(s.get("/metrics").body());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** An HTTP client of its own, whose every request gives up after {@code seconds}. */
    private static Response within(TestServer s, HttpRequest.Builder request, int seconds) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(seconds)).build();
        HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(seconds)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.headers(), r.body());
    }

    private static Socket connect(TestServer s) throws IOException {
        Socket c = new Socket("127.0.0.1", s.uri("/").getPort());
        c.setSoTimeout(20_000);
        return c;
    }

    @Test
    void methodOverridesNeitherRouteNorGrowTheMetricSeries() throws Exception {
        try (TestServer s = TestServer.start()) {
            for (String m : new String[] {"GET", "POST", "BREW"}) {
                s.get("/api/v1/status", "X-HTTP-Method-Override", m);
            }
            sendRaw(s, "BREW /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            series(s); // the scrape's own series
            int before = series(s);
            for (int i = 0; i < 40; i++) {
                Response r = s.get("/api/v1/status", "X-HTTP-Method-Override", "X" + i + "Y");
                assertThat(r.status()).as("the override is ignored: GET is served").isEqualTo(200);
                sendRaw(s, "BREW" + (char) ('A' + i % 26) + " /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            }
            assertThat(series(s)).as("series after unique override values and unknown methods").isEqualTo(before);
            assertThat(s.get("/metrics").body()).doesNotContain("method=\"X1Y\"").contains("method=\"other\"");
            // An override naming another route's method does not reach that route.
            Response deleted = s.get("/ops/abuse/blocks", bearer(TestServer.ADMIN_KEY, "X-HTTP-Method-Override", "DELETE"));
            assertThat(deleted.status()).isEqualTo(200);
            Await.until("the access line names the request line's method", Duration.ofSeconds(5),
                    () -> s.logText("app.log").contains("GET /ops/abuse/blocks 200 "));
            assertThat(s.logText("app.log")).doesNotContain("X1Y");
        }
    }

    private static String sendRaw(TestServer s, String request) throws IOException {
        try (Socket c = connect(s)) {
            c.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            c.getOutputStream().flush();
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void oversizedBodiesHoldNoThreadAndTheClientStillReadsIts413() throws Exception {
        try (TestServer s = TestServer.start(Map.of("MAX_BODY_BYTES", "65536"))) {
            String key = s.createAccount("oversize@example.com", "pro").get("api_key").asText();
            List<Socket> trickling = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickler = null;
            try {
                for (int i = 0; i < 64; i++) {
                    Socket c = connect(s);
                    trickling.add(c);
                    String path = i % 2 == 0 ? "/ops/accounts" : "/api/v1/intake";
                    String auth = i % 2 == 0 ? TestServer.ADMIN_KEY : key;
                    c.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Authorization: Bearer " + auth + "\r\nContent-Length: 4000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().write(new byte[2048]);
                }
                // Above the minimum data rate (1024 bytes/s), far below the declared length: hours to send.
                trickler = new Thread(() -> {
                    while (!stop.get()) {
                        for (Socket c : trickling) {
                            try {
                                c.getOutputStream().write(new byte[2048]);
                            } catch (IOException closed) {
                                // the server answered and closed: fine
                            }
                        }
                        Await.sleep(1000);
                    }
                });
                trickler.setDaemon(true);
                trickler.start();
                Await.sleep(1500);
                Response uptime = within(s, HttpRequest.newBuilder(s.uri("/ops/uptime")).GET(), 5);
                assertThat(uptime.status()).isEqualTo(200);
                for (Socket c : trickling) {
                    List<String> got = RawHttp.answers(c.getInputStream(), 1);
                    assertThat(got).hasSize(1);
                    assertThat(got.get(0)).startsWith("413 ").contains("payload_too_large");
                }
            } finally {
                stop.set(true);
                for (Socket c : trickling) {
                    c.close();
                }
            }
            // A client sending a large body at full speed still reads its 413, not a broken pipe.
            byte[] big = new byte[3 * 1024 * 1024];
            java.util.Arrays.fill(big, (byte) ' ');
            for (String path : new String[] {"/ops/accounts", "/api/v1/intake"}) {
                Response r = within(s, HttpRequest.newBuilder(s.uri(path)).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + (path.startsWith("/ops") ? TestServer.ADMIN_KEY : key))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(big)), 20);
                assertThat(r.status()).as(path).isEqualTo(413);
                assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
            }
        }
    }

    @Test
    void connectionsPipeliningRefusedIntakesMonopoliseNoThread() throws Exception {
        try (TestServer s = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "RATELIMIT_FREE_PER_MINUTE", "1",
                "HTTP_MAX_THREADS", "8"))) {
            String other = s.createAccount("pipeline-other@example.com", "pro").get("api_key").asText();
            AtomicBoolean stop = new AtomicBoolean();
            List<Socket> flooders = new ArrayList<>();
            try {
                // As many flooders as the pool has threads: each pipelines intakes refused at once (429, its
                // key's bucket is empty), which the thread that read the connection used to answer one after
                // another for as long as they kept coming.
                for (int i = 0; i < 8; i++) {
                    String key = s.createAccount("pipeline-flood-" + i + "@example.com", "free").get("api_key").asText();
                    assertThat(s.post("/api/v1/intake", ECHO, bearer(key)).status()).isEqualTo(202);
                    String one = "POST /api/v1/intake HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Authorization: Bearer " + key + "\r\nContent-Length: " + ECHO.length() + "\r\n\r\n" + ECHO;
                    Socket c = connect(s);
                    flooders.add(c);
                    flood(c, one.repeat(200).getBytes(StandardCharsets.US_ASCII), stop);
                }
                Await.sleep(1_000);
                for (int i = 0; i < 5; i++) {
                    Response status = within(s, HttpRequest.newBuilder(s.uri("/api/v1/status")).GET(), 10);
                    assertThat(status.status()).isEqualTo(200);
                    Response intake = within(s, HttpRequest.newBuilder(s.uri("/api/v1/intake"))
                            .header("Content-Type", "application/json").header("Authorization", "Bearer " + other)
                            .POST(HttpRequest.BodyPublishers.ofString(ECHO)), 10);
                    assertThat(intake.status()).as(intake.toString()).isEqualTo(202);
                }
            } finally {
                stop.set(true);
                for (Socket c : flooders) {
                    c.close();
                }
            }
            // No thread answered one refused request after another: each access line names its thread.
            Await.sleep(300);
            assertThat(longestRunOnOneThread(s.logText("app.log"), "POST /api/v1/intake 429 "))
                    .as("most refusals in a row answered by one thread").isLessThan(1_000);
        }
    }

    /** The longest run of consecutive access lines containing {@code what} written by the same thread. */
    private static int longestRunOnOneThread(String log, String what) {
        Pattern thread = Pattern.compile("\\[([^\\]]+)] levqor\\.access - ");
        int longest = 0;
        int run = 0;
        String last = null;
        for (String line : log.split("\n")) {
            if (!line.contains(what)) {
                continue;
            }
            Matcher m = thread.matcher(line);
            String name = m.find() ? m.group(1) : "?";
            run = name.equals(last) ? run + 1 : 1;
            last = name;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    /** Writes {@code burst} again and again without pause, and reads the answers away so the server's writes never wait. */
    private static void flood(Socket c, byte[] burst, AtomicBoolean stop) throws IOException {
        OutputStream out = c.getOutputStream();
        InputStream in = c.getInputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                while (!stop.get() && in.read(buf) >= 0) {
                    // answers read away
                }
            } catch (IOException done) {
                // closed at the end of the test
            }
        });
        Thread writer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    out.write(burst);
                }
            } catch (IOException done) {
                // closed at the end of the test
            }
        });
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Test
    void bodiesInFlightAreBoundedAndRefusedWith503Beyond() throws Exception {
        try (TestServer s = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "INTAKE_MAX_BYTES_IN_FLIGHT", "1048576"))) {
            String key = s.createAccount("inflight@example.com", "pro").get("api_key").asText();
            int length = 500_000;
            String body = ECHO.substring(0, ECHO.length() - 1) + " ".repeat(length - ECHO.length()) + "}";
            List<Socket> waiting = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket c = connect(s);
                    waiting.add(c);
                    c.getOutputStream().write(("POST /api/v1/intake HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Authorization: Bearer " + key + "\r\nContent-Length: " + length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().flush();
                }
                Await.sleep(500);
                Response third = within(s, HttpRequest.newBuilder(s.uri("/api/v1/intake"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(body)), 20);
                assertThat(third.status()).as(third.toString()).isEqualTo(503);
                assertThat(third.json().get("error").asText()).isEqualTo("server_busy");
                assertThat(third.header("Retry-After")).isNotNull();
                // Once the waiting bodies arrive, their requests are served and the room is free again.
                for (Socket c : waiting) {
                    c.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().flush();
                    List<String> got = RawHttp.answers(c.getInputStream(), 1);
                    assertThat(got).hasSize(1);
                    assertThat(got.get(0)).startsWith("202 ");
                }
                assertThat(s.post("/api/v1/intake", body, bearer(key)).status()).isEqualTo(202);
            } finally {
                for (Socket c : waiting) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aLockedBlocksTableHangsNoRequest() throws Exception {
        try (TestServer s = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"));
             Connection db = DriverManager.getConnection(s.jdbcUrl())) {
            String key = s.createAccount("locked-blocks@example.com", "pro").get("api_key").asText();
            db.setAutoCommit(false);
            try (Statement st = db.createStatement()) {
                st.execute("LOCK TABLE abuse_blocks IN ACCESS EXCLUSIVE MODE");
                Await.sleep(2_500); // past the copy's refresh interval: today the next request reloads it
                assertThat(within(s, HttpRequest.newBuilder(s.uri("/api/v1/status")).GET(), 5).status()).isEqualTo(200);
                assertThat(within(s, HttpRequest.newBuilder(s.uri("/ops/uptime")).GET(), 5).status()).isEqualTo(200);
                assertThat(within(s, HttpRequest.newBuilder(s.uri("/api/v1/intake"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(ECHO)), 5).status()).isEqualTo(202);
            } finally {
                db.rollback();
            }
        }
    }

    @Test
    void adminRoutesWithoutAnAdminKeyAreRefusalsNotErrors() {
        java.util.HashMap<String, String> env = new java.util.HashMap<>();
        env.put("ADMIN_KEY", null);
        try (TestServer s = TestServer.start(env)) {
            for (int i = 0; i < 3; i++) {
                Response r = s.get("/ops/flags");
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.json().get("error").asText()).isEqualTo("admin_key_not_configured");
            }
            String metrics = s.get("/metrics").body();
            assertThat(metrics).contains("error_rate_total{type=\"http_5xx\"} 0.0");
            assertThat(metrics).contains("levqor_http_refusals_total{reason=\"admin_key_not_configured\"} 3.0");
            Await.sleep(300);
            assertThat(s.logText("errors.jsonl")).doesNotContain("admin");
        }
    }

    @Test
    void anIpv6SprayWithinOne64SharesOneBucket() {
        try (TestServer s = TestServer.start(Map.of("TRUSTED_PROXIES", "127.0.0.1", "RATELIMIT_IP_PER_MINUTE", "3"))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                statuses.add(s.get("/api/v1/status", "X-Forwarded-For", "2001:db8:7:9::" + Integer.toHexString(i)).status());
            }
            assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
            assertThat(s.get("/api/v1/status", "X-Forwarded-For", "2001:db8:7:a::1").status())
                    .as("the next /64 has its own bucket").isEqualTo(200);
            assertThat(s.get("/api/v1/status", "X-Forwarded-For", "192.0.2.1").status()).isEqualTo(200);
            assertThat(s.get("/api/v1/status", "X-Forwarded-For", "192.0.2.2").status())
                    .as("IPv4 addresses are limited one by one").isEqualTo(200);
        }
    }

    @Test
    void failedAuthenticationsFromOne64BlockTheWhole64() {
        try (TestServer s = TestServer.start(Map.of("TRUSTED_PROXIES", "127.0.0.1", "ABUSE_FAILED_AUTH_LIMIT", "2"))) {
            String bad = "Bearer lvq_" + "Q".repeat(43);
            assertThat(s.get("/api/v1/account", "X-Forwarded-For", "2001:db8:5:5::1", "Authorization", bad).status())
                    .isEqualTo(401);
            assertThat(s.get("/api/v1/account", "X-Forwarded-For", "2001:db8:5:5:ab::2", "Authorization", bad).status())
                    .isEqualTo(401);
            Response blocked = s.get("/api/v1/status", "X-Forwarded-For", "2001:db8:5:5::3");
            assertThat(blocked.status()).isEqualTo(403);
            assertThat(blocked.json().get("error").asText()).isEqualTo("ip_blocked");
            assertThat(s.get("/api/v1/status", "X-Forwarded-For", "2001:db8:5:6::1").status()).isEqualTo(200);
            assertThat(s.get("/ops/abuse/blocks", TestServer.admin()).json().get("blocks").get(0).get("ip").asText())
                    .isEqualTo("2001:db8:5:5::/64");
        }
    }
}
