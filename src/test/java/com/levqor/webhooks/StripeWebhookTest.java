package com.levqor.webhooks;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.testing.TestServer.bearer;
import static com.levqor.webhooks.Signatures.now;
import static com.levqor.webhooks.Signatures.stripe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StripeWebhookTest {
    static final String SECRET = "whsec_test_0123456789abcdef";
    static TestServer on;
    static TestServer off;

    @BeforeAll
    static void start() {
        on = TestServer.start(Map.of("STRIPE_WEBHOOK_SECRET", SECRET));
        off = TestServer.start(Map.of("STRIPE_WEBHOOK_SECRET", SECRET, "WEBHOOK_VERIFY_ALL", "false"));
    }

    @AfterAll
    static void stop() {
        on.close();
        off.close();
    }

    static String event(String id, String type, String object) {
        return "{\"id\":\"" + id + "\",\"object\":\"event\",\"type\":\"" + type + "\",\"data\":{\"object\":" + object
                + "}}";
    }

    static Response send(TestServer s, String body, String signature) {
        return signature == null ? s.post("/webhooks/stripe", body)
                : s.post("/webhooks/stripe", body, "Stripe-Signature", signature);
    }

    static String newId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "");
    }

    private static void assertRefused(Response r, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(401);
        assertThat(r.json().get("error").asText()).isEqualTo(code);
        assertThat(r.json().get("request_id").asText()).isNotBlank();
    }

    @Test
    void validSignatureIsStoredAndTheEventApplied() {
        JsonNode account = on.createAccount("stripe-pro@example.com", "free");
        String accountId = account.get("account_id").asText();
        String body = event(newId(), "checkout.session.completed",
                "{\"object\":\"checkout.session\",\"client_reference_id\":\"" + accountId + "\"}");
        Response r = send(on, body, stripe(SECRET, now(), body));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("duplicate").asBoolean()).isFalse();
        assertThat(r.json().get("verified").asBoolean()).isTrue();
        assertThat(r.json().get("outcome").asText()).isEqualTo("processed");
        String key = account.get("api_key").asText();
        assertThat(on.get("/api/v1/account", bearer(key)).json().get("plan").asText()).isEqualTo("pro");
    }

    @Test
    void replayedStripeEventIsProcessedOnce() {
        JsonNode account = on.createAccount("stripe-replay@example.com", "free");
        String accountId = account.get("account_id").asText();
        String checkout = event(newId(), "checkout.session.completed",
                "{\"client_reference_id\":\"" + accountId + "\"}");
        String sig = stripe(SECRET, now(), checkout);
        assertThat(send(on, checkout, sig).status()).isEqualTo(200);
        String deleted = event(newId(), "customer.subscription.deleted",
                "{\"object\":\"subscription\",\"metadata\":{\"account_id\":\"" + accountId + "\"}}");
        assertThat(send(on, deleted, stripe(SECRET, now(), deleted)).json().get("outcome").asText())
                .isEqualTo("processed");
        // The checkout delivered again: acknowledged, but the account is not upgraded a second time.
        Response replay = send(on, checkout, sig);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("duplicate").asBoolean()).isTrue();
        assertThat(on.get("/api/v1/account", bearer(account.get("api_key").asText())).json().get("plan").asText())
                .isEqualTo("free");
    }

    @Test
    void unhandledTypesAreStoredAndAcknowledged() {
        String id = newId();
        String body = event(id, "invoice.finalized", "{\"object\":\"invoice\"}");
        Response r = send(on, body, stripe(SECRET, now(), body));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("outcome").asText()).isEqualTo("unhandled");
        JsonNode events = on.get("/ops/webhooks?source=stripe", admin()).json().get("events");
        JsonNode mine = null;
        for (JsonNode e : events) {
            if (e.get("event_id").asText().equals(id)) {
                mine = e;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.get("source").asText()).isEqualTo("stripe");
        assertThat(mine.get("type").asText()).isEqualTo("invoice.finalized");
        assertThat(mine.get("verified").asBoolean()).isTrue();
        assertThat(mine.get("outcome").asText()).isEqualTo("unhandled");
        assertThat(mine.get("received_at").asText()).endsWith("Z");
        assertThat(on.get("/ops/webhooks").status()).isEqualTo(401);
    }

    @Test
    void badSignaturesAre401WithTheFlagOn() {
        String body = event(newId(), "invoice.paid", "{}");
        long t = now();
        assertRefused(send(on, body, stripe("whsec_wrong_secret", t, body)), "invalid_signature");
        assertRefused(send(on, body, stripe(SECRET, t - 301, body)), "stale_signature");
        assertRefused(send(on, body, stripe(SECRET, t + 3600, body)), "stale_signature");
        assertRefused(send(on, body, null), "missing_signature");
        assertRefused(send(on, body.replace("invoice.paid", "invoice.voided"), stripe(SECRET, t, body)),
                "invalid_signature");
        String v0Only = "t=" + t + ",v0=" + Signatures.hmacHex(SECRET, t + "." + body);
        assertRefused(send(on, body, v0Only), "malformed_signature");
        assertRefused(send(on, body, "garbage"), "malformed_signature");
        assertRefused(send(on, body, "t=abc,v1=00"), "malformed_signature");
        assertThat(on.get("/metrics").body())
                .contains("levqor_webhook_verifications_total{result=\"invalid\",source=\"stripe\"}")
                .contains("levqor_webhook_verifications_total{result=\"stale\",source=\"stripe\"}");
    }

    @Test
    void anyOfSeveralV1SignaturesMayMatchDuringASecretRoll() {
        String body = event(newId(), "invoice.paid", "{}");
        long t = now();
        String wrong = Signatures.hmacHex("whsec_old_secret", t + "." + body);
        String right = Signatures.hmacHex(SECRET, t + "." + body);
        Response r = send(on, body, "t=" + t + ",v1=" + wrong + ",v1=" + right + ",v0=" + wrong);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("verified").asBoolean()).isTrue();
    }

    @Test
    void anUnconfiguredSecretIs401WithTheFlagOnAndAcceptedUnverifiedWithItOff() {
        String body = event(newId(), "invoice.paid", "{}");
        try (TestServer noSecret = TestServer.start(Collections.singletonMap("STRIPE_WEBHOOK_SECRET", null))) {
            assertRefused(send(noSecret, body, stripe(SECRET, now(), body)), "webhook_secret_not_configured");
        }
        try (TestServer noSecretOff = TestServer.start(Map.of("WEBHOOK_VERIFY_ALL", "false"))) {
            Response r = send(noSecretOff, body, null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("verified").asBoolean()).isFalse();
        }
    }

    @Test
    void withTheFlagOffBadSignaturesAreAcceptedStoredUnverifiedAndCounted() {
        String id = newId();
        String body = event(id, "invoice.paid", "{}");
        Response r = send(off, body, stripe("whsec_wrong_secret", now(), body));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("verified").asBoolean()).isFalse();
        Response missing = send(off, event(newId(), "invoice.paid", "{}"), null);
        assertThat(missing.status()).isEqualTo(200);
        JsonNode listed = off.get("/ops/webhooks", admin()).json().get("events");
        assertThat(listed.findValuesAsText("event_id")).contains(id);
        for (JsonNode e : listed) {
            if (e.get("event_id").asText().equals(id)) {
                assertThat(e.get("verified").asBoolean()).isFalse();
            }
        }
        assertThat(off.get("/metrics").body())
                .contains("levqor_webhook_verifications_total{result=\"invalid\",source=\"stripe\"} 1.0")
                .contains("levqor_webhook_verifications_total{result=\"missing\",source=\"stripe\"} 1.0");
        // A good signature is still recorded as verified.
        String good = event(newId(), "invoice.paid", "{}");
        assertThat(send(off, good, stripe(SECRET, now(), good)).json().get("verified").asBoolean()).isTrue();
    }

    @Test
    void malformedEventsAre400NotStoredAndNever500() {
        String notJson = "{not json";
        Response r = send(on, notJson, stripe(SECRET, now(), notJson));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("malformed_json");
        String noId = "{\"type\":\"invoice.paid\"}";
        Response r2 = send(on, noId, stripe(SECRET, now(), noId));
        assertThat(r2.status()).isEqualTo(400);
        assertThat(r2.json().get("details").has("id")).isTrue();
        String nul = event(newId(), "invoice.paid", "{\"note\":\"a\\u0000b\"}");
        Response r3 = send(on, nul, stripe(SECRET, now(), nul));
        assertThat(r3.status()).as(r3.body()).isEqualTo(400);
        String array = "[1,2]";
        assertThat(send(on, array, stripe(SECRET, now(), array)).status()).isEqualTo(400);
    }
}
