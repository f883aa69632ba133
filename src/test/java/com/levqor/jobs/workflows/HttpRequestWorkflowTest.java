package com.levqor.jobs.workflows;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** http.request end to end: the answer's body is capped (the job fails, it is not kept truncated); bad headers are refused at intake. */
class HttpRequestWorkflowTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static HttpServer target;
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/huge", ex -> {
            // 2 MiB in 64 KiB writes: the client must stop at its cap, not hold all of it.
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'h');
            ex.sendResponseHeaders(200, 32L * chunk.length);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 32; i++) {
                    out.write(chunk);
                }
            } catch (java.io.IOException closedByClient) {
                // expected: the client closes the connection at its cap
            }
        });
        target.createContext("/small", ex -> {
            byte[] out = "{\"ok\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        target.start();
        server = TestServer.start(Map.of("HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1"));
        key = server.createAccount("http-request@example.com", "pro").get("api_key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        target.stop(0);
    }

    static String url(String path) {
        return "http://127.0.0.1:" + target.getAddress().getPort() + path;
    }

    @Test
    void anAnswerOverTheCapFailsTheJobNamingTheCap() {
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"http.request\",\"payload\":{\"url\":\""
                + url("/huge") + "\"},\"max_attempts\":1}", bearer(key));
        assertThat(r.status()).isEqualTo(202);
        JsonNode dead = Await.status(server, key, r.json().get("job_id").asText(), "dead", WAIT);
        assertThat(dead.get("last_error").asText())
                .contains("GET " + url("/huge")).contains("larger than the cap of 1048576 bytes");
        assertThat(dead.path("result").isNull() || dead.path("result").isMissingNode()).isTrue();
    }

    @Test
    void anAnswerUnderTheCapIsKeptWhole() {
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"http.request\",\"payload\":{\"url\":\""
                + url("/small") + "\",\"headers\":{\"X-Trace\":\"t1\"}}}", bearer(key));
        JsonNode done = Await.status(server, key, r.json().get("job_id").asText(), "succeeded", WAIT);
        assertThat(done.get("result").get("status").asInt()).isEqualTo(200);
        assertThat(done.get("result").get("body").asText()).isEqualTo("{\"ok\":true}");
        // Header names in lower case, as the JDK client gave them before.
        assertThat(done.get("result").get("headers").get("content-length").asText()).isEqualTo("11");
    }

    @Test
    void headersTheClientWritesItselfAndValuesWithLineBreaksAreRefusedAtIntake() {
        Response r = server.post("/api/v1/intake", "{\"workflow\":\"http.request\",\"payload\":{\"url\":\""
                + url("/small") + "\",\"headers\":{\"Host\":\"internal\",\"Content-Length\":\"1\","
                + "\"X-Split\":\"a\\r\\nInjected: yes\",\"Bad Name\":\"x\"}}}", bearer(key));
        assertThat(r.status()).isEqualTo(400);
        JsonNode d = r.json().get("details");
        assertThat(d.get("payload.headers.Host").asText()).contains("set by Levqor");
        assertThat(d.get("payload.headers.Content-Length").asText()).contains("set by Levqor");
        assertThat(d.get("payload.headers.X-Split").asText()).contains("CR, LF");
        assertThat(d.get("payload.headers.Bad Name").asText()).contains("not a valid header name");
    }
}
