package com.levqor.webhooks;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.webhooks.Signatures.now;
import static com.levqor.webhooks.Signatures.slack;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SlackWebhookTest {
    static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static TestServer on;
    static TestServer off;

    @BeforeAll
    static void start() {
        on = TestServer.start(Map.of("SLACK_SIGNING_SECRET", SECRET));
        off = TestServer.start(Map.of("SLACK_SIGNING_SECRET", SECRET, "WEBHOOK_VERIFY_ALL", "false"));
    }

    @AfterAll
    static void stop() {
        on.close();
        off.close();
    }

    static Response send(TestServer s, String contentType, String body, Long ts, String signature) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri("/webhooks/slack"))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (ts != null) {
            b.header("X-Slack-Request-Timestamp", Long.toString(ts));
        }
        if (signature != null) {
            b.header("X-Slack-Signature", signature);
        }
        return s.send(b);
    }

    static Response signed(TestServer s, String contentType, String body) {
        long ts = now();
        return send(s, contentType, body, ts, slack(SECRET, ts, body));
    }

    @Test
    void answersTheUrlVerificationChallenge() {
        String body = "{\"token\":\"x\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\","
                + "\"type\":\"url_verification\"}";
        Response r = signed(on, "application/json", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("challenge").asText()).isEqualTo("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    }

    @Test
    void slashCommandLevqorStatusAnswersInSlackMessageFormat() {
        String body = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&channel_id=C2147483705&user_id=U2147483697"
                + "&command=%2Flevqor&text=status&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234"
                + "&trigger_id=13345224609.738474920.8088930838d88f008e0";
        Response r = signed(on, "application/x-www-form-urlencoded", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode m = r.json();
        assertThat(m.get("response_type").asText()).isEqualTo("ephemeral");
        assertThat(m.get("text").asText()).isEqualTo("Levqor status: operational");
        JsonNode section = m.get("blocks").get(0);
        assertThat(section.get("type").asText()).isEqualTo("section");
        assertThat(section.get("text").get("type").asText()).isEqualTo("mrkdwn");
        assertThat(section.get("text").get("text").asText()).contains("database: operational");
        // The same trigger again is answered but stored once.
        assertThat(signed(on, "application/x-www-form-urlencoded", body).status()).isEqualTo(200);
        long stored = 0;
        for (JsonNode e : on.get("/ops/webhooks?source=slack", admin()).json().get("events")) {
            if (e.get("event_id").asText().equals("13345224609.738474920.8088930838d88f008e0")) {
                stored++;
                assertThat(e.get("verified").asBoolean()).isTrue();
            }
        }
        assertThat(stored).isEqualTo(1);
        assertThat(signed(on, "application/x-www-form-urlencoded", "ssl_check=1&token=x").status()).isEqualTo(200);
        String help = body.replace("text=status", "text=frobnicate");
        assertThat(signed(on, "application/x-www-form-urlencoded", help).json().get("text").asText())
                .contains("/levqor status");
    }

    @Test
    void eventsAreStoredOnceByEventId() {
        String id = "Ev" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toUpperCase();
        String body = "{\"type\":\"event_callback\",\"event_id\":\"" + id + "\",\"event\":{\"type\":\"app_mention\"}}";
        Response first = signed(on, "application/json", body);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("duplicate").asBoolean()).isFalse();
        Response again = signed(on, "application/json", body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("duplicate").asBoolean()).isTrue();
        assertThat(on.get("/ops/webhooks?source=slack", admin()).json().get("events").findValuesAsText("type"))
                .contains("app_mention");
    }

    @Test
    void badSignaturesAre401WithTheFlagOn() {
        String body = "{\"type\":\"url_verification\",\"challenge\":\"abc\"}";
        long ts = now();
        Response wrong = send(on, "application/json", body, ts, slack("another-secret", ts, body));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("error").asText()).isEqualTo("invalid_signature");
        Response stale = send(on, "application/json", body, ts - 301, slack(SECRET, ts - 301, body));
        assertThat(stale.json().get("error").asText()).isEqualTo("stale_signature");
        Response future = send(on, "application/json", body, ts + 3600, slack(SECRET, ts + 3600, body));
        assertThat(future.json().get("error").asText()).isEqualTo("stale_signature");
        Response missing = send(on, "application/json", body, null, null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().get("error").asText()).isEqualTo("missing_signature");
        Response tampered = send(on, "application/json", body.replace("abc", "abd"), ts, slack(SECRET, ts, body));
        assertThat(tampered.json().get("error").asText()).isEqualTo("invalid_signature");
        Response v1 = send(on, "application/json", body, ts, slack(SECRET, ts, body).replace("v0=", "v1="));
        assertThat(v1.json().get("error").asText()).isEqualTo("malformed_signature");
        try (TestServer noSecret = TestServer.start(Map.of())) {
            Response r = send(noSecret, "application/json", body, ts, slack(SECRET, ts, body));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().get("error").asText()).isEqualTo("webhook_secret_not_configured");
        }
    }

    @Test
    void withTheFlagOffUnsignedRequestsAreAcceptedAndStoredUnverified() {
        String id = "EvOFF" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        String body = "{\"type\":\"event_callback\",\"event_id\":\"" + id + "\",\"event\":{\"type\":\"message\"}}";
        Response r = send(off, "application/json", body, null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("verified").asBoolean()).isFalse();
        for (JsonNode e : off.get("/ops/webhooks", admin()).json().get("events")) {
            if (e.get("event_id").asText().equals(id)) {
                assertThat(e.get("verified").asBoolean()).isFalse();
                assertThat(e.get("source").asText()).isEqualTo("slack");
            }
        }
        assertThat(off.get("/metrics").body())
                .contains("levqor_webhook_verifications_total{result=\"missing\",source=\"slack\"} 1.0");
    }
}
