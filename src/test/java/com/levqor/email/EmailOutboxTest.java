package com.levqor.email;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.FakeResend.Answer;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox against a fake Resend: recovery in order, Retry-After, permanent refusals, the circuit. */
class EmailOutboxTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    FakeResend resend;
    TestServer server;

    @BeforeEach
    void fake() {
        resend = new FakeResend();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        resend.close();
    }

    private TestServer start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("RESEND_API_KEY", "re_test_0123456789");
        env.put("EMAIL_FROM", "Levqor <billing@example.com>");
        env.put("RESEND_API_URL", resend.url());
        env.put("EMAIL_POLL_MS", "50");
        env.put("EMAIL_RETRY_BASE_MS", "100");
        env.put("EMAIL_RETRY_MAX_MS", "400");
        env.put("CIRCUIT_WINDOW_CALLS", "100"); // the circuit has its own test
        env.putAll(extra);
        server = TestServer.start(env);
        return server;
    }

    private List<String> queue(int n, String prefix) {
        Outbox outbox = server.app().email().outbox();
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String to = prefix + i + "@example.com";
            assertThat(outbox.queue(Email.of(Templates.PAYMENT_CONFIRMATION, to, Map.of("amount", "19.00 USD",
                    "plan_name", "Pro", "period_start", "2026-01-01", "period_end", "2026-02-01")))).isTrue();
            recipients.add(to);
        }
        server.app().email().wake();
        return recipients;
    }

    private static List<String> recipients(List<JsonNode> delivered) {
        return delivered.stream().map(b -> b.path("to").path(0).asText()).toList();
    }

    private JsonNode emails(String status) {
        return server.get("/ops/emails?status=" + status + "&limit=100", admin()).json();
    }

    @Test
    void afterAnOutageEveryEmailIsSentExactlyOnceInOrder() {
        start(Map.of());
        resend.then(Answer.fail(503), Answer.fail(503), Answer.fail(502), Answer.fail(503));
        List<String> sent = queue(6, "outage");
        Await.until("every email sent", WAIT, () -> resend.delivered().size() == 6
                && emails("queued").path("queued").asInt() == 0);
        assertThat(recipients(resend.delivered())).containsExactlyElementsOf(sent);
        assertThat(resend.deliveriesByKey().values()).allMatch(n -> n == 1);
        // Four failed attempts, all on the oldest email: the others waited behind it, in order.
        assertThat(resend.requests()).hasSize(10);
        assertThat(resend.requests().subList(0, 5)).extracting(FakeResend.Request::idempotencyKey)
                .containsOnly(resend.deliveredKeys().get(0));
        JsonNode list = emails("sent");
        assertThat(list.path("count").asInt()).isEqualTo(6);
        for (JsonNode e : list.path("emails")) {
            assertThat(resend.deliveredKeys()).contains(e.path("id").asText());
            assertThat(e.path("sent_at").asText()).endsWith("Z");
        }
        assertThat(server.logText("app.log")).contains("Resend answers again after").contains("delayed email(s)");
        assertThat(server.get("/metrics").body())
                .contains("levqor_emails_total{outcome=\"sent\",template=\"payment_confirmation\"} 6.0")
                .contains("levqor_emails_total{outcome=\"retried\",template=\"payment_confirmation\"} 4.0")
                .contains("levqor_email_outbox_depth 0.0");
    }

    @Test
    void retryAfterOfA429IsRespected() {
        start(Map.of());
        resend.then(new Answer(429, "{\"statusCode\":429,\"name\":\"rate_limit_exceeded\",\"message\":\"Too many requests\"}",
                "2"));
        queue(1, "slow");
        Await.until("the email sent", WAIT, () -> resend.delivered().size() == 1);
        List<FakeResend.Request> r = resend.requests();
        assertThat(r).hasSize(2);
        // The backoff alone would have waited 100 ms; Resend asked for 2 s.
        assertThat(r.get(1).atMillis() - r.get(0).atMillis()).isGreaterThanOrEqualTo(1_900);
        assertThat(r.get(1).idempotencyKey()).isEqualTo(r.get(0).idempotencyKey());
    }

    @Test
    void aRefusedAddressFailsWithResendsReasonAndCanBeRetried() {
        start(Map.of());
        resend.then(new Answer(422, "{\"statusCode\":422,\"name\":\"validation_error\","
                + "\"message\":\"Invalid `to` field. The email address needs to follow the `email@example.com` format.\"}",
                null));
        queue(2, "refused");
        Await.until("one failed, one sent", WAIT, () -> resend.delivered().size() == 1
                && emails("failed").path("count").asInt() == 1);
        JsonNode failed = emails("failed").path("emails").get(0);
        assertThat(failed.path("to").asText()).isEqualTo("refused0@example.com");
        assertThat(failed.path("last_error").asText()).contains("422").contains("validation_error")
                .contains("Invalid `to` field");
        assertThat(failed.path("attempts").asInt()).isEqualTo(1);
        assertThat(resend.requests()).hasSize(2); // a refusal is not retried

        assertThat(server.post("/ops/emails/retry", "", admin()).json().path("retried").asInt()).isEqualTo(1);
        Await.until("the retried email sent", WAIT, () -> resend.delivered().size() == 2);
        assertThat(emails("failed").path("count").asInt()).isZero();
        assertThat(server.get("/ops/emails?status=bogus", admin()).status()).isEqualTo(400);
        assertThat(server.get("/ops/emails").status()).isEqualTo(401);
    }

    @Test
    void attemptsRunOutAfterEmailMaxAttempts() {
        start(Map.of("EMAIL_MAX_ATTEMPTS", "3"));
        resend.failAlways(Answer.fail(500));
        queue(1, "hopeless");
        Await.until("the email failed", WAIT, () -> emails("failed").path("count").asInt() == 1);
        assertThat(resend.requests()).hasSize(3);
        assertThat(emails("failed").path("emails").get(0).path("last_error").asText())
                .startsWith("gave up after 3 attempts: 500");
    }

    @Test
    void theCircuitOpensAfterRepeatedFailuresAndClosesWhenResendAnswers() {
        start(Map.of("CIRCUIT_WINDOW_CALLS", "2", "CIRCUIT_OPEN_MS", "1500", "EMAIL_RETRY_BASE_MS", "10",
                "EMAIL_RETRY_MAX_MS", "10"));
        resend.failAlways(Answer.fail(503));
        queue(3, "circuit");
        JsonNode open = Await.value("the resend circuit open", WAIT,
                () -> server.get("/ops/connectors", admin()).json().path("resend"),
                r -> r.path("circuit").asText().equals("open"));
        assertThat(open.path("state").asText()).isEqualTo("failing");
        assertThat(open.path("last_error").asText()).contains("503");
        assertThat(open.path("last_failure_at").asText()).endsWith("Z");
        assertThat(open.path("outbox").path("queued").asInt()).isEqualTo(3);
        var uptime = server.get("/ops/uptime");
        assertThat(uptime.status()).isEqualTo(200);
        assertThat(uptime.json().path("status").asText()).isEqualTo("degraded");
        assertThat(uptime.json().path("services").path("email").asText()).isEqualTo("degraded");
        // While open, Resend is not called at all.
        int calls = resend.requests().size();
        Await.sleep(500);
        assertThat(resend.requests()).hasSize(calls);

        resend.recover();
        Await.until("every email sent", WAIT, () -> resend.delivered().size() == 3);
        JsonNode closed = Await.value("the circuit closed", WAIT,
                () -> server.get("/ops/connectors", admin()).json().path("resend"),
                r -> r.path("circuit").asText().equals("closed"));
        assertThat(closed.path("state").asText()).isEqualTo("ok");
        assertThat(server.get("/ops/uptime").json().path("services").path("email").asText()).isEqualTo("operational");
        assertThat(server.get("/metrics").body()).contains("levqor_connector_up{connector=\"resend\"} 1.0");
    }

    @Test
    void emailMaxPerMinuteCapsTheRate() {
        start(Map.of("EMAIL_MAX_PER_MINUTE", "2"));
        queue(3, "capped");
        Await.until("two sent", WAIT, () -> resend.delivered().size() == 2);
        Await.sleep(500);
        assertThat(resend.requests()).as("the third waits for the next minute").hasSize(2);
        assertThat(emails("queued").path("emails").get(0).path("to").asText()).isEqualTo("capped2@example.com");
    }

    @Test
    void withoutAnApiKeyEmailsStayQueued() {
        start(Map.of("RESEND_API_KEY", "", "EMAIL_FROM", ""));
        queue(2, "later");
        Await.sleep(300);
        assertThat(resend.requests()).isEmpty();
        assertThat(emails("queued").path("queued").asInt()).isEqualTo(2);
        assertThat(server.logText("app.log")).contains("Email is not configured");
        JsonNode c = server.get("/ops/connectors", admin()).json();
        assertThat(c.path("resend").path("state").asText()).isEqualTo("not_configured");
        assertThat(c.path("stripe").path("state").asText()).isEqualTo("not_configured");
        assertThat(c.path("slack").path("state").asText()).isEqualTo("not_configured");
        assertThat(c.path("sentry").path("state").asText()).isEqualTo("not_configured");
        assertThat(server.get("/ops/uptime").json().path("services").path("email").asText()).isEqualTo("not_configured");
    }

    @Test
    void theSenderSendsTheSameCodeProductionDoes() {
        start(Map.of());
        queue(1, "shape");
        Await.until("sent", WAIT, () -> resend.delivered().size() == 1);
        FakeResend.Request r = resend.requests().get(0);
        assertThat(r.authorization()).isEqualTo("Bearer re_test_0123456789");
        JsonNode b = r.body();
        assertThat(b.path("from").asText()).isEqualTo("Levqor <billing@example.com>");
        assertThat(b.path("subject").asText()).isEqualTo("Payment received: 19.00 USD for Levqor Pro");
        assertThat(b.path("text").asText()).contains("2026-01-01 to 2026-02-01").contains("support@levqor.com");
        assertThat(b.path("html").asText()).contains("<strong>19.00 USD</strong>");
        // The fake answered before the sender records the send: wait for the row, then check what it kept.
        Await.until("recorded as sent", WAIT, () -> emails("sent").path("emails").size() == 1);
        assertThat(emails("sent").path("emails").get(0).path("provider_id").asText()).isEqualTo("re_" + r.idempotencyKey());
    }
}
