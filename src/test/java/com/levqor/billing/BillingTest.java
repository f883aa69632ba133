package com.levqor.billing;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.testing.TestServer.bearer;
import static com.levqor.webhooks.Signatures.now;
import static com.levqor.webhooks.Signatures.stripe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.Main;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.FakeStripe;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stripe billing end to end: a real server, Stripe and Resend faked at the HTTP level, events signed
 * with Stripe's scheme.
 */
class BillingTest {
    static final String SECRET = "whsec_billing_0123456789abcdef";
    static final String PRICE = "price_pro_123";
    static final Duration WAIT = Duration.ofSeconds(30);
    static FakeStripe stripeApi;
    static FakeResend resend;
    static TestServer server;

    static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("STRIPE_SECRET_KEY", "sk_test_0123456789");
        env.put("STRIPE_PRICE_PRO", PRICE);
        env.put("STRIPE_API_BASE", stripeApi.url());
        env.put("PUBLIC_BASE_URL", "https://levqor.example.com");
        env.put("STRIPE_WEBHOOK_SECRET", SECRET);
        env.put("RESEND_API_KEY", "re_test_0123456789");
        env.put("EMAIL_FROM", "billing@example.com");
        env.put("RESEND_API_URL", resend.url());
        env.put("EMAIL_POLL_MS", "50");
        env.putAll(extra);
        return env;
    }

    @BeforeAll
    static void start() {
        stripeApi = new FakeStripe();
        resend = new FakeResend();
        server = TestServer.start(env(Map.of()));
    }

    @AfterAll
    static void stop() {
        server.close();
        resend.close();
        stripeApi.close();
    }

    static String event(String id, String type, long created, String object) {
        return "{\"id\":\"" + id + "\",\"object\":\"event\",\"type\":\"" + type + "\",\"created\":" + created
                + ",\"data\":{\"object\":" + object + "}}";
    }

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    static Response deliver(TestServer s, String body) {
        return s.post("/webhooks/stripe", body, "Stripe-Signature", stripe(SECRET, now(), body));
    }

    static String completed(String account, String customer, String sub, String paymentStatus) {
        return "{\"id\":\"" + newId("cs_") + "\",\"object\":\"checkout.session\",\"mode\":\"subscription\","
                + "\"status\":\"complete\",\"payment_status\":\"" + paymentStatus + "\",\"client_reference_id\":\""
                + account + "\",\"customer\":\"" + customer + "\",\"subscription\":\"" + sub + "\"}";
    }

    static String subscription(String id, String customer, String account, String status, String latestInvoice) {
        return "{\"id\":\"" + id + "\",\"object\":\"subscription\",\"customer\":\"" + customer + "\",\"status\":\""
                + status + "\",\"cancel_at_period_end\":false,\"latest_invoice\":\"" + latestInvoice + "\","
                + "\"metadata\":{\"account_id\":\"" + account + "\"},"
                + "\"items\":{\"object\":\"list\",\"data\":[{\"id\":\"si_1\",\"current_period_end\":1798761600}]}}";
    }

    static String invoice(String id, String customer, String sub, long amount) {
        return "{\"id\":\"" + id + "\",\"object\":\"invoice\",\"customer\":\"" + customer + "\",\"subscription\":\""
                + sub + "\",\"amount_paid\":" + amount + ",\"amount_due\":" + amount + ",\"currency\":\"usd\","
                + "\"hosted_invoice_url\":\"https://invoice.stripe.com/i/" + id + "\","
                + "\"lines\":{\"data\":[{\"period\":{\"start\":1767225600,\"end\":1769904000}}]}}";
    }

    static String plan(TestServer s, JsonNode account) {
        return s.get("/api/v1/account", bearer(account.get("api_key").asText())).json().get("plan").asText();
    }

    static List<String> subjectsTo(String address) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : resend.delivered()) {
            if (b.path("to").path(0).asText().equals(address)) {
                out.add(b.path("subject").asText());
            }
        }
        return out;
    }

    @Test
    void checkoutCreatesASessionForTheProPriceWithTheAccountAsReference() {
        JsonNode account = server.createAccount("checkout@example.com", "free");
        String id = account.get("account_id").asText();
        String key = account.get("api_key").asText();
        Response r = server.post("/api/v1/billing/checkout", "", bearer(key, "Idempotency-Key", "try-1"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String session = r.json().get("session_id").asText();
        assertThat(r.json().get("url").asText()).isEqualTo("https://checkout.stripe.com/c/pay/" + session);
        FakeStripe.Request sent = last("/v1/checkout/sessions");
        assertThat(sent.authorization()).isEqualTo("Bearer sk_test_0123456789");
        assertThat(sent.form()).containsEntry("mode", "subscription")
                .containsEntry("line_items[0][price]", PRICE)
                .containsEntry("line_items[0][quantity]", "1")
                .containsEntry("client_reference_id", id)
                .containsEntry("subscription_data[metadata][account_id]", id)
                .containsEntry("customer_email", "checkout@example.com")
                .containsEntry("success_url", "https://levqor.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}")
                .doesNotContainKey("customer");
        assertThat(sent.idempotencyKey()).contains(id).endsWith("try-1");

        // The client retries the same request: Stripe sees the same key and answers the same session.
        Response again = server.post("/api/v1/billing/checkout", "", bearer(key, "Idempotency-Key", "try-1"));
        assertThat(again.json().get("session_id").asText()).isEqualTo(session);

        // Once the account has a Stripe customer, checkout reuses it.
        String customer = newId("cus_");
        assertThat(deliver(server, event(newId("evt_"), "checkout.session.completed", now(),
                completed(id, customer, newId("sub_"), "unpaid"))).json().get("outcome").asText()).isEqualTo("processed");
        assertThat(plan(server, account)).isEqualTo("free"); // not paid yet
        server.post("/api/v1/billing/checkout", "", bearer(key, "Idempotency-Key", "try-2"));
        assertThat(last("/v1/checkout/sessions").form()).containsEntry("customer", customer)
                .doesNotContainKey("customer_email");

        JsonNode pro = server.createAccount("already@example.com", "pro");
        Response conflict = server.post("/api/v1/billing/checkout", "", bearer(pro.get("api_key").asText()));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.json().get("error").asText()).isEqualTo("already_subscribed");
    }

    private static FakeStripe.Request last(String path) {
        List<FakeStripe.Request> all = stripeApi.requests().stream().filter(q -> q.path().equals(path)).toList();
        assertThat(all).isNotEmpty();
        return all.get(all.size() - 1);
    }

    @Test
    void theFullLifecycleDrivesThePlanAndTheEmails() {
        JsonNode account = server.createAccount("lifecycle@example.com", "free");
        String id = account.get("account_id").asText();
        String key = account.get("api_key").asText();
        String customer = newId("cus_");
        String sub = newId("sub_");
        long t = now();
        deliver(server, event(newId("evt_"), "checkout.session.completed", t, completed(id, customer, sub, "paid")));
        assertThat(plan(server, account)).as("at once on this instance").isEqualTo("pro");
        deliver(server, event(newId("evt_"), "customer.subscription.created", t + 1,
                subscription(sub, customer, id, "active", "in_1")));
        JsonNode billing = server.get("/api/v1/billing", bearer(key)).json();
        assertThat(billing.get("plan").asText()).isEqualTo("pro");
        assertThat(billing.get("subscription_status").asText()).isEqualTo("active");
        assertThat(billing.get("current_period_end").asText()).isEqualTo("2027-01-01T00:00:00Z");
        assertThat(billing.get("cancel_at_period_end").asBoolean()).isFalse();

        Response paid = deliver(server, event(newId("evt_"), "invoice.paid", t + 2, invoice("in_1", customer, sub, 1900)));
        assertThat(paid.json().get("outcome").asText()).isEqualTo("processed");
        Await.until("the payment confirmation", WAIT, () -> subjectsTo("lifecycle@example.com").size() == 1);
        JsonNode confirmation = resend.delivered().stream()
                .filter(b -> b.path("to").path(0).asText().equals("lifecycle@example.com")).findFirst().orElseThrow();
        assertThat(confirmation.path("subject").asText()).isEqualTo("Payment received: 19.00 USD for Levqor Pro");
        assertThat(confirmation.path("text").asText()).contains("2026-01-01 to 2026-02-01")
                .contains("https://invoice.stripe.com/i/in_1");

        // A renewal fails: Stripe sends the invoice's failure and the subscription going past_due.
        deliver(server, event(newId("evt_"), "invoice.payment_failed", t + 3, invoice("in_2", customer, sub, 1900)));
        deliver(server, event(newId("evt_"), "customer.subscription.updated", t + 3,
                subscription(sub, customer, id, "past_due", "in_2")));
        assertThat(plan(server, account)).as("past_due keeps pro").isEqualTo("pro");
        assertThat(server.get("/api/v1/billing", bearer(key)).json().get("subscription_status").asText())
                .isEqualTo("past_due");

        Response deleted = deliver(server, event(newId("evt_"), "customer.subscription.deleted", t + 4,
                subscription(sub, customer, id, "canceled", "in_2")));
        assertThat(deleted.json().get("outcome").asText()).isEqualTo("processed");
        assertThat(plan(server, account)).isEqualTo("free");
        Await.until("three emails", WAIT, () -> subjectsTo("lifecycle@example.com").size() == 3);
        Await.sleep(300); // nothing more arrives: one payment-failed email for the two failure events
        assertThat(subjectsTo("lifecycle@example.com")).containsExactly(
                "Payment received: 19.00 USD for Levqor Pro",
                "Your Levqor payment did not go through",
                "Your Levqor account is now on the Free plan");
        assertThat(server.get("/metrics").body())
                .contains("levqor_billing_events_total{outcome=\"processed\",type=\"customer.subscription.deleted\"} 1.0");
    }

    @Test
    void replayedAndReorderedEventsLeaveTheRightFinalPlan() {
        JsonNode ended = server.createAccount("reorder-ended@example.com", "free");
        String id = ended.get("account_id").asText();
        String customer = newId("cus_");
        String sub = newId("sub_");
        long t = now() - 100;
        List<String> events = List.of(
                event(newId("evt_"), "checkout.session.completed", t, completed(id, customer, sub, "paid")),
                event(newId("evt_"), "customer.subscription.created", t + 1, subscription(sub, customer, id, "active", "in_a")),
                event(newId("evt_"), "customer.subscription.updated", t + 2, subscription(sub, customer, id, "past_due", "in_b")),
                event(newId("evt_"), "customer.subscription.deleted", t + 3, subscription(sub, customer, id, "canceled", "in_b")));
        List<String> reversed = new ArrayList<>(events);
        Collections.reverse(reversed);
        reversed.forEach(e -> assertThat(deliver(server, e).status()).isEqualTo(200));
        events.forEach(e -> assertThat(deliver(server, e).json().get("duplicate").asBoolean()).isTrue());
        assertThat(plan(server, ended)).isEqualTo("free");
        assertThat(server.get("/api/v1/billing", bearer(ended.get("api_key").asText())).json()
                .get("subscription_status").asText()).isEqualTo("canceled");

        JsonNode recovered = server.createAccount("reorder-recovered@example.com", "free");
        String id2 = recovered.get("account_id").asText();
        String customer2 = newId("cus_");
        String sub2 = newId("sub_");
        String done = event(newId("evt_"), "checkout.session.completed", t, completed(id2, customer2, sub2, "paid"));
        String pastDue = event(newId("evt_"), "customer.subscription.updated", t + 1,
                subscription(sub2, customer2, id2, "unpaid", "in_c"));
        String active = event(newId("evt_"), "customer.subscription.updated", t + 2,
                subscription(sub2, customer2, id2, "active", "in_c"));
        for (String e : List.of(active, done, pastDue, pastDue, done)) {
            assertThat(deliver(server, e).status()).isEqualTo(200);
        }
        assertThat(plan(server, recovered)).isEqualTo("pro");
        assertThat(server.get("/api/v1/billing", bearer(recovered.get("api_key").asText())).json()
                .get("subscription_status").asText()).isEqualTo("active");
    }

    @Test
    void anEventForAnUnknownCustomerIsStoredAndIgnored() {
        String id = newId("evt_");
        Response r = deliver(server, event(id, "invoice.paid", now(), invoice("in_x", "cus_nobody", "sub_x", 500)));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("outcome").asText()).isEqualTo("ignored");
        assertThat(server.get("/ops/webhooks?source=stripe&limit=500", admin()).json().get("events")
                .findValuesAsText("event_id")).contains(id);
    }

    @Test
    void withVerificationOffAForgedEventChangesNothingAndARealOneIsAppliedAsStripeSaysIt() {
        try (TestServer off = TestServer.start(env(Map.of("WEBHOOK_VERIFY_ALL", "false")))) {
            JsonNode mine = off.createAccount("forger@example.com", "free");
            String forgedId = newId("evt_");
            String forged = event(forgedId, "checkout.session.completed", now(),
                    completed(mine.get("account_id").asText(), newId("cus_"), newId("sub_"), "paid"));
            Response r = off.post("/webhooks/stripe", forged); // no signature at all
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("verified").asBoolean()).isFalse();
            assertThat(r.json().get("outcome").asText()).isEqualTo("unconfirmed");
            assertThat(plan(off, mine)).isEqualTo("free");
            assertThat(stripeApi.requests()).anyMatch(q -> q.path().equals("/v1/events/" + forgedId));
            JsonNode listed = off.get("/ops/webhooks?source=stripe", admin()).json().get("events").get(0);
            assertThat(listed.get("outcome").asText()).isEqualTo("unconfirmed");
            // A forged signature changes nothing either.
            Response badSig = off.post("/webhooks/stripe", forged.replace(forgedId, forgedId + "b"),
                    "Stripe-Signature", stripe("whsec_attacker", now(), forged));
            assertThat(badSig.json().get("outcome").asText()).isEqualTo("unconfirmed");
            assertThat(plan(off, mine)).isEqualTo("free");

            // A real event arriving with a signature that does not verify (the wrong secret configured): it is
            // applied as Stripe's API returns it, whatever the body says.
            JsonNode payer = off.createAccount("real-payer@example.com", "free");
            String realId = newId("evt_");
            String real = event(realId, "checkout.session.completed", now(),
                    completed(payer.get("account_id").asText(), newId("cus_"), newId("sub_"), "paid"));
            stripeApi.knowEvent(realId, real);
            String tampered = event(realId, "checkout.session.completed", now(),
                    completed(mine.get("account_id").asText(), newId("cus_"), newId("sub_"), "paid"));
            Response confirmed = off.post("/webhooks/stripe", tampered, "Stripe-Signature",
                    stripe("whsec_wrong", now(), tampered));
            assertThat(confirmed.json().get("outcome").asText()).isEqualTo("processed");
            assertThat(confirmed.json().get("verified").asBoolean()).isFalse();
            assertThat(plan(off, payer)).isEqualTo("pro");
            assertThat(plan(off, mine)).isEqualTo("free");
        }
    }

    @Test
    void billingEndpointsSayWhatIsNotConfigured() {
        try (TestServer bare = TestServer.start(Collections.singletonMap("STRIPE_SECRET_KEY", null))) {
            JsonNode a = bare.createAccount("bare@example.com", "free");
            for (Response r : List.of(bare.post("/api/v1/billing/checkout", "", bearer(a.get("api_key").asText())),
                    bare.get("/api/v1/billing", bearer(a.get("api_key").asText())))) {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.json().get("error").asText()).isEqualTo("billing_not_configured");
                assertThat(r.json().get("message").asText()).contains("STRIPE_SECRET_KEY").contains("STRIPE_PRICE_PRO")
                        .contains("PUBLIC_BASE_URL");
                assertThat(r.json().get("details").has("STRIPE_SECRET_KEY")).isTrue();
            }
            assertThat(bare.get("/api/v1/status").status()).isEqualTo(200);
        }
    }

    @Test
    void thePortalNeedsAStripeCustomer() {
        JsonNode a = server.createAccount("portal@example.com", "free");
        Response none = server.post("/api/v1/billing/portal", "", bearer(a.get("api_key").asText()));
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.json().get("error").asText()).isEqualTo("no_billing_account");
        String customer = newId("cus_");
        deliver(server, event(newId("evt_"), "checkout.session.completed", now(),
                completed(a.get("account_id").asText(), customer, newId("sub_"), "paid")));
        Response portal = server.post("/api/v1/billing/portal", "", bearer(a.get("api_key").asText()));
        assertThat(portal.status()).as(portal.body()).isEqualTo(200);
        assertThat(portal.json().get("url").asText()).startsWith("https://billing.stripe.com/p/session/");
        assertThat(last("/v1/billing_portal/sessions").form()).containsEntry("customer", customer)
                .containsEntry("return_url", "https://levqor.example.com/billing");
    }

    @Test
    void theStripeCircuitOpensFailsFastAndCloses() {
        try (FakeStripe failing = new FakeStripe()) {
            Map<String, String> e = env(Map.of("CIRCUIT_WINDOW_CALLS", "2", "CIRCUIT_OPEN_MS", "1500"));
            e.put("STRIPE_API_BASE", failing.url());
            try (TestServer s = TestServer.start(e)) {
                String key = s.createAccount("circuit@example.com", "free").get("api_key").asText();
                failing.failing(true);
                for (int i = 0; i < 2; i++) {
                    Response r = s.post("/api/v1/billing/checkout", "", bearer(key));
                    assertThat(r.status()).as(r.body()).isEqualTo(503);
                    assertThat(r.json().get("error").asText()).isEqualTo("stripe_unavailable");
                }
                int calls = failing.requests().size();
                Response fast = s.post("/api/v1/billing/checkout", "", bearer(key));
                assertThat(fast.status()).isEqualTo(503);
                assertThat(fast.json().get("message").asText()).contains("circuit is open");
                assertThat(failing.requests()).as("not called while open").hasSize(calls);
                JsonNode stripeState = s.get("/ops/connectors", admin()).json().get("stripe");
                assertThat(stripeState.get("circuit").asText()).isEqualTo("open");
                assertThat(stripeState.get("state").asText()).isEqualTo("failing");
                Response uptime = s.get("/ops/uptime");
                assertThat(uptime.status()).isEqualTo(200);
                assertThat(uptime.json().get("services").get("payments").asText()).isEqualTo("degraded");

                failing.failing(false);
                Response ok = Await.value("checkout after the circuit's wait", WAIT,
                        () -> s.post("/api/v1/billing/checkout", "", bearer(key)), r -> r.status() == 201);
                assertThat(ok.json().get("session_id").asText()).startsWith("cs_test_");
                JsonNode closed = s.get("/ops/connectors", admin()).json().get("stripe");
                assertThat(closed.get("circuit").asText()).isEqualTo("closed");
                assertThat(closed.get("state").asText()).isEqualTo("ok");
                assertThat(s.get("/ops/uptime").json().get("services").get("payments").asText()).isEqualTo("operational");
            }
        }
    }

    @Test
    void billingSyncFixesAPlanThatDrifted() {
        JsonNode a = server.createAccount("drift@example.com", "free");
        String id = a.get("account_id").asText();
        String customer = newId("cus_");
        String sub = newId("sub_");
        deliver(server, event(newId("evt_"), "checkout.session.completed", now() - 50, completed(id, customer, sub, "paid")));
        assertThat(plan(server, a)).isEqualTo("pro");
        // The subscription was canceled in Stripe, and the webhook never arrived.
        stripeApi.knowSubscription(sub, subscription(sub, customer, id, "canceled", "in_d"));
        Map<String, String> cli = env(Map.of());
        cli.put("DATABASE_URL", server.jdbcUrl());
        cli.put("LOG_DIR", server.logDir().toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int status;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            status = Main.run(cli, "billing", "sync", "--account", id);
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(printed).isZero();
        assertThat(printed).contains(id).contains("pro -> free (fixed)").contains("checked: 1, fixed: 1");
        Await.until("the plan follows on the server within the cache TTL", WAIT, () -> plan(server, a).equals("free"));
        assertThat(stripeApi.requests()).anyMatch(q -> q.path().equals("/v1/subscriptions/" + sub));
    }
}
