package com.levqor.http;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.http.DirectRoute;
import com.levqor.testing.Await;
import com.levqor.testing.RawHttp;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/intake} served where Jetty read the request, without a pool thread (the
 * handler tree's front is non-blocking, see SelectorFront): only once everything on the way can be
 * answered from memory, with a body that may arrive late or too slowly, and with requests that
 * follow on the same connection (pipelined, or other routes) answered in order.
 */
class IntakeInlineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ECHO = "{\"workflow\":\"echo\",\"payload\":{\"n\":1}}";

    /** Default settings (abuse guards on, MIN_REQUEST_DATA_RATE 1024 bytes/s); each test has its own account. */
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static DirectRoute route(TestServer s) {
        return s.app().directRoutes().stream().filter(r -> r.path().equals("/api/v1/intake")).findFirst().orElseThrow();
    }

    private static Response intake(TestServer s, String key) {
        return IntakeRouteTest.send(s, ECHO, "application/json", bearer(key));
    }

    /**
     * A new account's key, after one request that looked it up in Postgres (the pool's path) and
     * loaded the abuse blocks: the requests that follow can be served inline.
     */
    private static String knownKey(TestServer s, String email) {
        String key = s.createAccount(email, "pro").get("api_key").asText();
        assertThat(intake(s, key).status()).isEqualTo(202);
        return key;
    }

    private static Socket connect(TestServer s) throws IOException {
        Socket c = new Socket("127.0.0.1", s.uri("/").getPort());
        c.setSoTimeout(15_000);
        return c;
    }

    private static String head(String key, int length) {
        return "POST /api/v1/intake HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Length: " + length + "\r\n\r\n";
    }

    private static String jobState(TestServer s, String key, String answerBody) throws IOException {
        String id = JSON.readTree(answerBody).get("job_id").asText();
        return s.get("/api/v1/status/" + id, bearer(key)).json().get("status").asText();
    }

    @Test
    void jettyCallsTheHandlerTreeOnItsSelector() {
        // Were any handler above the front blocking, Jetty would hand every request to a pool thread first.
        assertThat(server.app().httpServesOnSelector()).isTrue();
    }

    @Test
    void servedInlineOnceTheKeyIsKnownAndStoredAsAcknowledged() {
        String key = knownKey(server, "inline@example.com");
        long before = route(server).servedInline();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Response r = intake(server, key);
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            ids.add(r.json().get("job_id").asText());
        }
        assertThat(route(server).servedInline() - before).as("requests served without a pool thread").isEqualTo(5);
        for (String id : ids) {
            Response status = server.get("/api/v1/status/" + id, bearer(key));
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.json().get("status").asText()).isEqualTo("queued");
        }
        // A bad body on the inline path gets the same precise 400, never a 500.
        Response bad = IntakeRouteTest.send(server, "{\"workflow\":", "application/json", bearer(key));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).isEqualTo("malformed_json");
        assertThat(route(server).servedInline() - before).isEqualTo(6);

        // A body declared over 64 KiB is read and parsed on a pool thread: served, but not inline.
        long served = route(server).served();
        String padded = ECHO.replace("}}", "}" + " ".repeat(70 * 1024) + "}");
        Response big = IntakeRouteTest.send(server, padded, "application/json", bearer(key));
        assertThat(big.status()).as(big.toString()).isEqualTo(202);
        assertThat(route(server).served() - served).isEqualTo(1);
        assertThat(route(server).servedInline() - before).isEqualTo(6);
    }

    @Test
    void aBodyThatArrivesLateIsWaitedForWithoutBlockingOthers() throws Exception {
        String key = knownKey(server, "inline-late@example.com");
        long before = route(server).servedInline();
        try (Socket late = connect(server)) {
            OutputStream out = late.getOutputStream();
            out.write(head(key, ECHO.length()).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // While that body is missing, other requests are served: the thread that read its head is not held.
            for (int i = 0; i < 3; i++) {
                assertThat(intake(server, key).status()).isEqualTo(202);
            }
            Thread.sleep(300);
            out.write(ECHO.getBytes(StandardCharsets.US_ASCII)); // all at once: well above the minimum rate
            out.flush();
            List<String> got = RawHttp.answers(late.getInputStream(), 1);
            assertThat(got).hasSize(1);
            assertThat(got.get(0)).startsWith("202 ");
            assertThat(jobState(server, key, got.get(0).substring(4))).isEqualTo("queued");
        }
        assertThat(route(server).servedInline() - before).isEqualTo(4);
    }

    @Test
    void aClientThatExpects100ContinueGetsItBeforeSendingTheBody() throws Exception {
        String key = knownKey(server, "inline-expect@example.com");
        long before = route(server).servedInline();
        try (Socket c = connect(server)) {
            OutputStream out = c.getOutputStream();
            String head = head(key, ECHO.length());
            out.write((head.substring(0, head.length() - 2) + "Expect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = c.getInputStream();
            byte[] interim = in.readNBytes("HTTP/1.1 100 Continue\r\n\r\n".length());
            assertThat(new String(interim, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            out.write(ECHO.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> got = RawHttp.answers(in, 1);
            assertThat(got).hasSize(1);
            assertThat(got.get(0)).startsWith("202 ");
        }
        assertThat(route(server).servedInline() - before).isEqualTo(1);
    }

    @Test
    void aBodyTrickledBelowTheMinimumRateIsCutOffWith408() throws Exception {
        String key = knownKey(server, "inline-slow@example.com");
        long before = route(server).servedInline();
        try (Socket slow = connect(server)) {
            OutputStream out = slow.getOutputStream();
            String body = ECHO.replace("}}", "}" + " ".repeat(40) + "}");
            out.write(head(key, body.length()).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawHttp.trickle(out, body.getBytes(StandardCharsets.US_ASCII), 250, 8);
            List<String> got = RawHttp.answers(slow.getInputStream(), 1);
            assertThat(got).hasSize(1);
            assertThat(got.get(0)).startsWith("408 ").contains("\"error\":\"request_timeout\"");
        }
        assertThat(route(server).servedInline() - before).as("the inline path read that body").isEqualTo(1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWhateverServesThem() throws Exception {
        String key = knownKey(server, "inline-pipe@example.com");
        long before = route(server).servedInline();
        String one = head(key, ECHO.length()) + ECHO;
        String bad = head(key, 5) + "[1,2]";
        String uptime = "GET /ops/uptime HTTP/1.1\r\nHost: localhost\r\n\r\n";
        String unknown = "GET /api/v1/status/nope HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                + "\r\n\r\n";
        try (Socket c = connect(server)) {
            OutputStream out = c.getOutputStream();
            // All in one write: each answer completes after its handler returned, and the connection is
            // resumed on the completing thread, which must find the next request already buffered.
            out.write((one + uptime + one + bad + unknown + one).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> got = RawHttp.answers(c.getInputStream(), 6);
            assertThat(got).extracting(a -> a.substring(0, 3)).containsExactly("202", "200", "202", "400", "404", "202");
            assertThat(got.get(1)).contains("\"status\":");
            assertThat(got.get(3)).contains("\"error\":\"invalid_request\"");
            assertThat(got.get(4)).contains("\"error\":\"job_not_found\"");
            Set<String> ids = new HashSet<>();
            for (int i : new int[] {0, 2, 5}) {
                ids.add(JSON.readTree(got.get(i).substring(4)).get("job_id").asText());
            }
            assertThat(ids).hasSize(3);
        }
        assertThat(route(server).servedInline() - before).isEqualTo(4);
    }

    @Test
    void aBlockPlacedByAnotherInstanceReachesTheInlinePath() {
        try (TestServer a = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "ABUSE_FAILED_AUTH_LIMIT", "2"));
             TestServer b = TestServer.start(Map.of("WORKER_CONCURRENCY", "0", "ABUSE_FAILED_AUTH_LIMIT", "2",
                     "DATABASE_URL", a.jdbcUrl()))) {
            String key = b.createAccount("inline-blocked@example.com", "pro").get("api_key").asText();
            assertThat(intake(b, key).status()).isEqualTo(202);
            long before = route(b).servedInline();
            assertThat(intake(b, key).status()).isEqualTo(202);
            assertThat(route(b).servedInline() - before).as("b serves intake inline").isEqualTo(1);
            for (int i = 0; i < 2; i++) {
                assertThat(a.get("/api/v1/account", bearer("lvq_" + "D".repeat(43))).status()).isEqualTo(401);
            }
            // b's copy of the blocks is reloaded every AbuseBlocks.REFRESH_INTERVAL by its refresh duty;
            // the inline path reads the copy only.
            Await.until("b refuses intake from the blocked address", Duration.ofSeconds(10),
                    () -> intake(b, key).status() == 403);
            Response blocked = intake(b, key);
            assertThat(blocked.json().get("error").asText()).isEqualTo("ip_blocked");
        }
    }
}
