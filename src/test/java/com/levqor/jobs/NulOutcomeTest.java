package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 item 4: a result holding a NUL character, which Postgres cannot store, fails its own job
 * and nothing else: other accounts' jobs finishing in the same completion batch succeed, once.
 */
class NulOutcomeTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aTargetAnsweringANulFailsOnlyItsOwnJob() throws Exception {
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/nul", ex -> {
            byte[] body = "ok\u0000".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        target.start();
        try (TestServer server = TestServer.start(Map.of("HTTP_REQUEST_ALLOWED_HOSTS", "127.0.0.1",
                "WORKER_CONCURRENCY", "8"))) {
            String tenant = server.createAccount("nul-tenant@example.com", "pro").get("api_key").asText();
            List<String> others = List.of(server.createAccount("other-1@example.com", "pro").get("api_key").asText(),
                    server.createAccount("other-2@example.com", "pro").get("api_key").asText());
            List<String[]> jobs = new ArrayList<>();
            jobs.addAll(batch(server, others.get(0), 100));
            Response r = server.post("/api/v1/intake", "{\"workflow\":\"http.request\",\"max_attempts\":2,"
                    + "\"payload\":{\"url\":\"http://127.0.0.1:" + target.getAddress().getPort() + "/nul\"}}",
                    bearer(tenant));
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            String nul = r.json().get("job_id").asText();
            jobs.addAll(batch(server, others.get(1), 100));
            jobs.addAll(batch(server, others.get(0), 100));

            JsonNode dead = Await.status(server, tenant, nul, "dead", WAIT);
            assertThat(dead.get("attempts").asInt()).isEqualTo(2);
            assertThat(dead.get("result").isNull()).isTrue();
            assertThat(dead.get("last_error").asText())
                    .isEqualTo("ResultNotStorableException: the result contains a NUL character (\\u0000), which "
                            + "cannot be stored");
            for (String[] job : jobs) {
                JsonNode done = Await.status(server, job[0], job[1], "succeeded", WAIT);
                assertThat(done.get("attempts").asInt()).isEqualTo(1);
                assertThat(CountingWorkflow.runs(UUID.fromString(job[1]))).as("runs of " + job[1]).isEqualTo(1);
            }
        } finally {
            target.stop(0);
        }
    }

    /** n test.count jobs of one account in one request; returns {key, job id} pairs. */
    private static List<String[]> batch(TestServer server, String key, int n) {
        StringBuilder body = new StringBuilder("{\"jobs\":[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"workflow\":\"test.count\",\"payload\":{\"ms\":2}}");
        }
        Response r = server.post("/api/v1/intake/batch", body.append("]}").toString(), bearer(key));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        List<String[]> ids = new ArrayList<>();
        r.json().get("jobs").forEach(j -> ids.add(new String[] {key, j.get("job_id").asText()}));
        return ids;
    }
}
