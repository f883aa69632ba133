package com.levqor.http;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.FakeStripe;
import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import com.levqor.webhooks.Signatures;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real answers of a running server (Stripe and Resend faked at the HTTP level) against the API
 * document: for every route, a success and an error answer where they can be produced here, each
 * held to its documented status, headers and JSON Schema ({@link ApiContract}). A handler whose
 * answer changes shape, or answers a status the document does not list, fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiConformanceTest {
    private static final String STRIPE_SECRET = "whsec_openapi_0123456789";
    private static final String SLACK_SECRET = "slack_openapi_0123456789";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String UNKNOWN = "0193a5b2-7c1d-7e3f-9a4b-5c6d7e8f9a0b";
    /**
     * Routes whose success answer this test cannot produce, with why; their error answers are checked.
     * Empty today: keep it that way, or say here why a route's success is out of reach.
     */
    private static final Map<String, String> NO_SUCCESS_HERE = Map.of();

    static FakeStripe stripe;
    static FakeResend resend;
    static TestServer server;
    static ApiContract contract;
    static final List<String> problems = new ArrayList<>();
    static final ObjectMapper json = new ObjectMapper();
    static String proKey;
    static String freeKey;
    static String freeAccount;

    @BeforeAll
    static void start() {
        stripe = new FakeStripe();
        resend = new FakeResend();
        Map<String, String> env = new HashMap<>();
        env.put("STRIPE_SECRET_KEY", "sk_test_0123456789");
        env.put("STRIPE_PRICE_PRO", "price_pro_openapi");
        env.put("STRIPE_API_BASE", stripe.url());
        env.put("PUBLIC_BASE_URL", "https://levqor.example.com");
        env.put("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET);
        env.put("SLACK_SIGNING_SECRET", SLACK_SECRET);
        env.put("RESEND_API_KEY", "re_test_0123456789");
        env.put("EMAIL_FROM", "billing@example.com");
        env.put("RESEND_API_URL", resend.url());
        env.put("BUDGET_FREE_UNITS_PER_DAY", "5");
        server = TestServer.start(env);
        contract = ApiContract.load();
        JsonNode pro = server.createAccount("openapi-pro@example.com", "pro");
        proKey = pro.get("api_key").asText();
        JsonNode free = server.createAccount("openapi-free@example.com", "free");
        freeKey = free.get("api_key").asText();
        freeAccount = free.get("account_id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        resend.close();
        stripe.close();
    }

    /** Checks one answer against the document; returns it for the test to read on. */
    static Response check(String method, String route, Response r) {
        problems.addAll(contract.problems(method, route, r));
        return r;
    }

    static Response expect(int status, String method, String route, Response r) {
        assertThat(r.status()).as("%s %s: %s", method, route, r).isEqualTo(status);
        return check(method, route, r);
    }

    static Response send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return server.send(b);
    }

    static void assertConforms() {
        List<String> found = new ArrayList<>(problems);
        problems.clear();
        assertThat(found).as("answers that do not match openapi.json").isEmpty();
    }

    @Test
    @Order(1)
    void publicRoutes() {
        expect(200, "GET", "/ops/uptime", server.get("/ops/uptime"));
        expect(200, "GET", "/livez", server.get("/livez"));
        expect(200, "GET", "/readyz", server.get("/readyz"));
        expect(200, "GET", "/api/v1/status", server.get("/api/v1/status"));
        expect(200, "GET", "/metrics", server.get("/metrics"));
        expect(200, "GET", "/ops/queue_health", server.get("/ops/queue_health"));
        Response doc = expect(200, "GET", "/openapi.json", server.get("/openapi.json"));
        expect(304, "GET", "/openapi.json", server.get("/openapi.json", "If-None-Match", doc.header("ETag")));
        assertConforms();
    }

    @Test
    @Order(2)
    void accountsAndKeys() {
        Response created = expect(201, "POST", "/ops/accounts", server.post("/ops/accounts",
                "{\"email\":\"openapi-new@example.com\",\"plan\":\"free\"}", admin()));
        String account = created.json().get("account_id").asText();
        String key = created.json().get("api_key").asText();
        expect(409, "POST", "/ops/accounts", server.post("/ops/accounts", "{\"email\":\"openapi-new@example.com\"}", admin()));
        expect(400, "POST", "/ops/accounts", server.post("/ops/accounts", "{\"email\":\"nope\",\"plan\":\"gold\"}", admin()));
        expect(400, "POST", "/ops/accounts", server.post("/ops/accounts", "{\"email\":", admin()));
        expect(415, "POST", "/ops/accounts", send("POST", "/ops/accounts", "<account/>", "Authorization",
                "Bearer " + TestServer.ADMIN_KEY, "Content-Type", "application/xml"));
        expect(401, "POST", "/ops/accounts", server.post("/ops/accounts", "{\"email\":\"x@example.com\"}"));
        expect(401, "GET", "/ops/accounts", server.get("/ops/accounts", "Authorization", "Bearer wrong-admin-key"));

        expect(200, "GET", "/ops/accounts", server.get("/ops/accounts", admin()));
        expect(400, "GET", "/ops/accounts", server.get("/ops/accounts?limit=0", admin()));

        Response added = expect(201, "POST", "/ops/accounts/{id}/keys", server.post("/ops/accounts/" + account + "/keys", "", admin()));
        expect(404, "POST", "/ops/accounts/{id}/keys", server.post("/ops/accounts/" + UNKNOWN + "/keys", "", admin()));

        expect(200, "GET", "/api/v1/account", server.get("/api/v1/account", bearer(key)));
        expect(200, "GET", "/api/v1/account", server.get("/api/v1/account", "X-Api-Key", key));
        expect(401, "GET", "/api/v1/account", server.get("/api/v1/account"));
        expect(401, "GET", "/api/v1/account", server.get("/api/v1/account", bearer("lvq_unknownunknownunknownunknownunknownunkn")));

        expect(200, "DELETE", "/ops/keys/{prefix}", server.delete("/ops/keys/" + added.json().get("key_prefix").asText(), admin()));
        expect(404, "DELETE", "/ops/keys/{prefix}", server.delete("/ops/keys/lvq_NoSuchKey", admin()));
        assertConforms();
    }

    @Test
    @Order(3)
    void jobs() {
        Response queued = expect(202, "POST", "/api/v1/intake", server.post("/api/v1/intake",
                "{\"workflow\":\"echo\",\"payload\":{\"hello\":\"world\"}}", bearer(proKey, "Idempotency-Key", "openapi-1")));
        String job = queued.json().get("job_id").asText();
        expect(200, "POST", "/api/v1/intake", server.post("/api/v1/intake",
                "{\"workflow\":\"echo\",\"payload\":{\"hello\":\"world\"}}", bearer(proKey, "Idempotency-Key", "openapi-1")));
        expect(400, "POST", "/api/v1/intake", server.post("/api/v1/intake", "{\"workflow\":\"nope\",\"payload\":1,\"extra\":true}",
                bearer(proKey)));
        expect(400, "POST", "/api/v1/intake", server.post("/api/v1/intake", "{\"workflow\":", bearer(proKey)));
        expect(401, "POST", "/api/v1/intake", server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}"));
        expect(415, "POST", "/api/v1/intake", send("POST", "/api/v1/intake", "<job/>", "Authorization", "Bearer " + proKey,
                "Content-Type", "application/xml"));

        StringBuilder six = new StringBuilder("{\"jobs\":[");
        for (int i = 0; i < 6; i++) {
            six.append(i == 0 ? "" : ",").append("{\"workflow\":\"echo\",\"payload\":{\"n\":").append(i).append("}}");
        }
        six.append("]}");
        // The free plan's budget here is 5 units: one delayed http.request (5) spends it.
        expect(202, "POST", "/api/v1/intake", server.post("/api/v1/intake",
                "{\"workflow\":\"http.request\",\"payload\":{\"method\":\"GET\",\"url\":\"https://example.com/\"},\"run_at\":\""
                        + Instant.now().plusSeconds(86_400) + "\"}", bearer(freeKey)));
        expect(402, "POST", "/api/v1/intake/batch", server.post("/api/v1/intake/batch", six.toString(), bearer(freeKey)));
        expect(402, "POST", "/api/v1/intake", server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}",
                bearer(freeKey)));
        expect(202, "POST", "/api/v1/intake/batch", server.post("/api/v1/intake/batch",
                "{\"jobs\":[{\"workflow\":\"echo\",\"payload\":{\"n\":1}},{\"workflow\":\"echo\",\"payload\":{\"n\":2},\"priority\":\"high\",\"idempotency_key\":\"openapi-b\"}]}",
                bearer(proKey)));
        expect(200, "POST", "/api/v1/intake/batch", server.post("/api/v1/intake/batch",
                "{\"jobs\":[{\"workflow\":\"echo\",\"payload\":{\"n\":2},\"idempotency_key\":\"openapi-b\"}]}", bearer(proKey)));
        expect(400, "POST", "/api/v1/intake/batch", server.post("/api/v1/intake/batch", "{\"jobs\":[{\"workflow\":\"echo\"}]}",
                bearer(proKey)));

        Await.status(server, proKey, job, "succeeded", WAIT);
        expect(200, "GET", "/api/v1/status/{job_id}", server.get("/api/v1/status/" + job, bearer(proKey)));
        expect(404, "GET", "/api/v1/status/{job_id}", server.get("/api/v1/status/" + job, bearer(freeKey)));
        expect(200, "GET", "/api/v1/jobs", server.get("/api/v1/jobs?limit=2", bearer(proKey)));
        expect(400, "GET", "/api/v1/jobs", server.get("/api/v1/jobs?status=lost&limit=0", bearer(proKey)));

        String later = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{},\"run_at\":\""
                + Instant.now().plusSeconds(3_600) + "\"}", bearer(proKey)).json().get("job_id").asText();
        expect(200, "POST", "/api/v1/jobs/{id}/cancel", server.post("/api/v1/jobs/" + later + "/cancel", "", bearer(proKey)));
        expect(409, "POST", "/api/v1/jobs/{id}/cancel", server.post("/api/v1/jobs/" + later + "/cancel", "", bearer(proKey)));
        expect(404, "POST", "/api/v1/jobs/{id}/cancel", server.post("/api/v1/jobs/" + UNKNOWN + "/cancel", "", bearer(proKey)));

        expect(200, "GET", "/api/v1/workflows", server.get("/api/v1/workflows", bearer(proKey)));
        expect(401, "GET", "/api/v1/workflows", server.get("/api/v1/workflows"));
        expect(200, "GET", "/api/v1/usage", server.get("/api/v1/usage", bearer(freeKey)));
        expect(401, "GET", "/api/v1/usage", server.get("/api/v1/usage", "X-Api-Key", "lvq_revoked"));
        assertConforms();
    }

    @Test
    @Order(4)
    void deadLetterQueue() {
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = server.post("/api/v1/intake", "{\"workflow\":\"fail\",\"payload\":{\"message\":\"openapi\"},\"max_attempts\":1}",
                    bearer(proKey)).json().get("job_id").asText();
            dead.add(id);
        }
        for (String id : dead) {
            Await.status(server, proKey, id, "dead", WAIT);
        }
        Response list = expect(200, "GET", "/ops/dlq", server.get("/ops/dlq?workflow=fail&limit=50", admin()));
        assertThat(list.json().get("count").asInt()).isGreaterThanOrEqualTo(3);
        expect(400, "GET", "/ops/dlq", server.get("/ops/dlq?limit=many", admin()));
        expect(200, "DELETE", "/ops/dlq/{id}", server.delete("/ops/dlq/" + dead.get(0), admin()));
        expect(404, "DELETE", "/ops/dlq/{id}", server.delete("/ops/dlq/" + dead.get(0), admin()));
        expect(200, "POST", "/ops/dlq/retry", server.post("/ops/dlq/retry", "{\"ids\":[\"" + dead.get(1) + "\"]}", admin()));
        expect(200, "POST", "/ops/dlq/retry", send("POST", "/ops/dlq/retry", null, admin()));
        expect(400, "POST", "/ops/dlq/retry", server.post("/ops/dlq/retry", "{\"ids\":\"all\",\"limit\":0}", admin()));
        assertConforms();
    }

    @Test
    @Order(5)
    void webhooksAndEdge() throws Exception {
        long now = Instant.now().getEpochSecond();
        String event = "{\"id\":\"evt_openapi_1\",\"object\":\"event\",\"type\":\"invoice.created\",\"created\":" + now
                + ",\"data\":{\"object\":{\"id\":\"in_1\",\"object\":\"invoice\"}}}";
        expect(200, "POST", "/webhooks/stripe", server.post("/webhooks/stripe", event, "Stripe-Signature",
                Signatures.stripe(STRIPE_SECRET, now, event)));
        expect(200, "POST", "/webhooks/stripe", server.post("/webhooks/stripe", event, "Stripe-Signature",
                Signatures.stripe(STRIPE_SECRET, now, event)));
        expect(401, "POST", "/webhooks/stripe", server.post("/webhooks/stripe", event));
        expect(400, "POST", "/webhooks/stripe", server.post("/webhooks/stripe", "[1]", "Stripe-Signature",
                Signatures.stripe(STRIPE_SECRET, now, "[1]")));

        String challenge = "{\"type\":\"url_verification\",\"challenge\":\"c-123\"}";
        expect(200, "POST", "/webhooks/slack", server.post("/webhooks/slack", challenge, "X-Slack-Request-Timestamp",
                Long.toString(now), "X-Slack-Signature", Signatures.slack(SLACK_SECRET, now, challenge)));
        String callback = "{\"type\":\"event_callback\",\"event_id\":\"Ev_openapi\",\"event\":{\"type\":\"app_mention\"}}";
        expect(200, "POST", "/webhooks/slack", server.post("/webhooks/slack", callback, "X-Slack-Request-Timestamp",
                Long.toString(now), "X-Slack-Signature", Signatures.slack(SLACK_SECRET, now, callback)));
        String command = "command=%2Flevqor&text=status&trigger_id=openapi.1";
        expect(200, "POST", "/webhooks/slack", send("POST", "/webhooks/slack", command, "Content-Type",
                "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp", Long.toString(now), "X-Slack-Signature",
                Signatures.slack(SLACK_SECRET, now, command)));
        expect(401, "POST", "/webhooks/slack", server.post("/webhooks/slack", challenge, "X-Slack-Request-Timestamp",
                Long.toString(now), "X-Slack-Signature", "v0=00"));

        expect(200, "GET", "/ops/webhooks", server.get("/ops/webhooks?source=stripe", admin()));
        expect(400, "GET", "/ops/webhooks", server.get("/ops/webhooks?source=github", admin()));
        expect(200, "GET", "/ops/flags", server.get("/ops/flags", admin()));
        expect(401, "GET", "/ops/flags", server.get("/ops/flags"));

        // A block on another address (the test's own is 127.0.0.1), to list and lift.
        UUID block = UUID.randomUUID();
        try (Connection c = TestPostgres.dataSource(server.jdbcUrl()).getConnection();
             PreparedStatement s = c.prepareStatement("insert into abuse_blocks (id, ip, reason, hits, since_at, until_at) "
                     + "values (?, '203.0.113.7', 'failed_auth', 10, now(), now() + interval '15 minutes')")) {
            s.setObject(1, block);
            s.executeUpdate();
        }
        Response blocks = expect(200, "GET", "/ops/abuse/blocks", server.get("/ops/abuse/blocks?active=true", admin()));
        assertThat(blocks.json().get("count").asInt()).isGreaterThanOrEqualTo(1);
        expect(400, "GET", "/ops/abuse/blocks", server.get("/ops/abuse/blocks?active=maybe", admin()));
        expect(200, "DELETE", "/ops/abuse/blocks/{id}", server.delete("/ops/abuse/blocks/" + block, admin()));
        expect(404, "DELETE", "/ops/abuse/blocks/{id}", server.delete("/ops/abuse/blocks/" + UNKNOWN, admin()));
        assertConforms();
    }

    @Test
    @Order(6)
    void billingEmailConnectorsBackups() {
        expect(201, "POST", "/api/v1/billing/checkout", server.post("/api/v1/billing/checkout", "",
                bearer(freeKey, "Idempotency-Key", "openapi-upgrade")));
        expect(409, "POST", "/api/v1/billing/checkout", server.post("/api/v1/billing/checkout", "", bearer(proKey)));
        expect(400, "POST", "/api/v1/billing/checkout", server.post("/api/v1/billing/checkout", "",
                bearer(freeKey, "Idempotency-Key", "k".repeat(201))));
        expect(404, "POST", "/api/v1/billing/portal", server.post("/api/v1/billing/portal", "", bearer(freeKey)));
        long now = Instant.now().getEpochSecond();
        String completed = "{\"id\":\"evt_openapi_checkout\",\"object\":\"event\",\"type\":\"checkout.session.completed\","
                + "\"created\":" + now + ",\"data\":{\"object\":{\"id\":\"cs_openapi\",\"object\":\"checkout.session\","
                + "\"mode\":\"subscription\",\"status\":\"complete\",\"payment_status\":\"unpaid\",\"client_reference_id\":\""
                + freeAccount + "\",\"customer\":\"cus_openapi\",\"subscription\":\"sub_openapi\"}}}";
        assertThat(server.post("/webhooks/stripe", completed, "Stripe-Signature", Signatures.stripe(STRIPE_SECRET, now,
                completed)).json().get("outcome").asText()).isEqualTo("processed");
        expect(200, "POST", "/api/v1/billing/portal", server.post("/api/v1/billing/portal", "", bearer(freeKey)));
        expect(200, "GET", "/api/v1/billing", server.get("/api/v1/billing", bearer(freeKey)));
        expect(401, "GET", "/api/v1/billing", server.get("/api/v1/billing"));

        expect(200, "GET", "/ops/emails", server.get("/ops/emails?limit=20", admin()));
        expect(400, "GET", "/ops/emails", server.get("/ops/emails?status=lost", admin()));
        expect(200, "POST", "/ops/emails/retry", server.post("/ops/emails/retry", "", admin()));
        expect(401, "POST", "/ops/emails/retry", server.post("/ops/emails/retry", ""));
        expect(200, "GET", "/ops/connectors", server.get("/ops/connectors", admin()));
        expect(401, "GET", "/ops/connectors", server.get("/ops/connectors"));
        expect(200, "GET", "/ops/backups", server.get("/ops/backups", admin()));
        expect(400, "GET", "/ops/backups", server.get("/ops/backups?kind=snapshot", admin()));
        assertConforms();
    }

    @Test
    @Order(7)
    void incidentsMaintenanceAndTheStatusPage() {
        Response opened = expect(201, "POST", "/ops/incidents", server.post("/ops/incidents", "{\"template\":\"major\"}", admin()));
        String id = opened.json().get("id").asText();
        expect(400, "POST", "/ops/incidents", server.post("/ops/incidents", "{\"impact\":\"huge\"}", admin()));
        expect(200, "GET", "/ops/incidents", server.get("/ops/incidents?status=open", admin()));
        expect(400, "GET", "/ops/incidents", server.get("/ops/incidents?status=closed", admin()));
        expect(200, "GET", "/ops/incidents/{id}", server.get("/ops/incidents/" + id, admin()));
        expect(404, "GET", "/ops/incidents/{id}", server.get("/ops/incidents/" + UNKNOWN, admin()));
        expect(409, "POST", "/ops/incidents/{id}/notify", server.post("/ops/incidents/" + id + "/notify",
                "{\"accounts\":\"all\",\"prevention\":[\"More alerts.\"]}", admin()));
        expect(201, "POST", "/ops/incidents/{id}/updates", server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"monitoring\",\"message\":\"A fix is out; we are watching.\"}", admin()));
        expect(409, "POST", "/ops/incidents/{id}/updates", server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"investigating\",\"message\":\"Back?\"}", admin()));
        expect(400, "POST", "/ops/incidents/{id}/updates", server.post("/ops/incidents/" + id + "/updates", "{}", admin()));

        expect(200, "GET", "/status", server.get("/status"));
        Response summary = expect(200, "GET", "/status.json", server.get("/status.json"));
        expect(304, "GET", "/status.json", server.get("/status.json", "If-None-Match", summary.header("ETag")));
        expect(200, "GET", "/status/incidents/{id}", server.get("/status/incidents/" + id));
        expect(404, "GET", "/status/incidents/{id}", server.get("/status/incidents/" + UNKNOWN));
        expect(200, "GET", "/status/history.atom", server.get("/status/history.atom"));
        Response badge = expect(200, "GET", "/status/badge.svg", server.get("/status/badge.svg"));
        expect(304, "GET", "/status/badge.svg", server.get("/status/badge.svg", "If-None-Match", badge.header("ETag")));
        expect(200, "GET", "/status/style.css", server.get("/status/style.css"));

        expect(201, "POST", "/ops/incidents/{id}/updates", server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"resolved\",\"message\":\"Resolved.\",\"root_cause\":\"A slow query.\",\"fix\":\"An index.\"}", admin()));
        expect(200, "POST", "/ops/incidents/{id}/notify", server.post("/ops/incidents/" + id + "/notify",
                "{\"accounts\":\"all\",\"prevention\":[\"More alerts.\"]}", admin()));
        expect(404, "POST", "/ops/incidents/{id}/notify", server.post("/ops/incidents/" + UNKNOWN + "/notify",
                "{\"accounts\":\"all\",\"prevention\":[\"More alerts.\"]}", admin()));

        Instant start = Instant.now().plusSeconds(3_600);
        Response window = expect(201, "POST", "/ops/maintenance", server.post("/ops/maintenance", "{\"title\":\"Database upgrade\","
                + "\"components\":[\"database\"],\"starts_at\":\"" + start + "\",\"ends_at\":\"" + start.plusSeconds(1_800)
                + "\",\"message\":\"Writes pause for a minute.\"}", admin()));
        expect(400, "POST", "/ops/maintenance", server.post("/ops/maintenance", "{\"title\":\"\"}", admin()));
        expect(200, "GET", "/ops/maintenance", server.get("/ops/maintenance?status=scheduled", admin()));
        expect(400, "GET", "/ops/maintenance", server.get("/ops/maintenance?status=later", admin()));
        expect(200, "DELETE", "/ops/maintenance/{id}", server.delete("/ops/maintenance/" + window.json().get("id").asText(), admin()));
        expect(404, "DELETE", "/ops/maintenance/{id}", server.delete("/ops/maintenance/" + UNKNOWN, admin()));
        assertConforms();
    }

    @Test
    @Order(8)
    void aChangedShapeOrAnUndocumentedStatusIsCaught() throws Exception {
        Response usage = server.get("/api/v1/usage", bearer(proKey));
        assertThat(contract.problems("GET", "/api/v1/usage", usage)).isEmpty();

        ObjectNode renamed = (ObjectNode) json.readTree(usage.body());
        renamed.set("used", renamed.remove("units_used"));
        assertThat(contract.problems("GET", "/api/v1/usage", withBody(usage, renamed.toString())))
                .as("a renamed field").isNotEmpty();
        ObjectNode retyped = (ObjectNode) json.readTree(usage.body());
        retyped.put("units_used", "12");
        assertThat(contract.problems("GET", "/api/v1/usage", withBody(usage, retyped.toString())))
                .as("a field of another type").isNotEmpty();
        Response notFound = server.get("/api/v1/status/" + UNKNOWN, bearer(proKey));
        ObjectNode otherCode = (ObjectNode) json.readTree(notFound.body());
        otherCode.put("error", "no_such_job");
        assertThat(contract.problems("GET", "/api/v1/status/{job_id}", withBody(notFound, otherCode.toString())))
                .as("an error code the document does not list").isNotEmpty();
        assertThat(contract.problems("GET", "/api/v1/usage", new Response(418, usage.headers(), usage.body())))
                .as("an undocumented status").isNotEmpty();
        HttpHeaders noRequestId = HttpHeaders.of(usage.headers().map(), (name, value) -> !name.equalsIgnoreCase("X-Request-Id"));
        assertThat(contract.problems("GET", "/api/v1/usage", new Response(200, noRequestId, usage.body())))
                .as("a required header missing").isNotEmpty();
    }

    private static Response withBody(Response r, String body) {
        return new Response(r.status(), r.headers(), body);
    }

    @Test
    @Order(100)
    void everyRouteWasCheckedWithASuccessAndAnErrorAnswer() {
        Set<String> withSuccess = new TreeSet<>();
        Set<String> withError = new TreeSet<>();
        for (String c : contract.checked()) {
            int space = c.lastIndexOf(' ');
            int status = Integer.parseInt(c.substring(space + 1));
            (status < 400 ? withSuccess : withError).add(c.substring(0, space));
        }
        Set<String> noSuccess = new TreeSet<>(contract.operations());
        noSuccess.removeAll(withSuccess);
        noSuccess.removeAll(NO_SUCCESS_HERE.keySet());
        assertThat(noSuccess).as("routes with no success answer checked").isEmpty();

        // Public routes that read no input answer no error a test can provoke without breaking the
        // server (their errors are the shared 403, 429, 500 and 503 answers; the probes' 503s need a
        // stopped database or a drain: ProbesTest, ReadyzDatabaseDownTest, DrainProcessTest).
        Set<String> noErrorExpected = Set.of("GET /ops/uptime", "GET /livez", "GET /readyz", "GET /api/v1/status", "GET /metrics", "GET /openapi.json",
                "GET /ops/queue_health", "GET /status", "GET /status.json", "GET /status/history.atom",
                "GET /status/badge.svg", "GET /status/style.css");
        Set<String> noError = new TreeSet<>(contract.operations());
        noError.removeAll(withError);
        noError.removeAll(noErrorExpected);
        assertThat(noError).as("routes with no error answer checked").isEmpty();
    }
}
