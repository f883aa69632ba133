package com.levqor.status;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's incident API: lifecycle, forward-only status, runbook texts, notify once per account. */
class IncidentsApiTest {
    static final DateTimeFormatter POSTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
    static FakeResend resend;
    static TestServer server;

    @BeforeAll
    static void start() {
        resend = new FakeResend();
        server = TestServer.start(Map.of("RESEND_API_KEY", "re_test_0123456789", "EMAIL_FROM",
                "Levqor <status@example.com>", "RESEND_API_URL", resend.url(), "EMAIL_POLL_MS", "50"));
    }

    @AfterAll
    static void stop() {
        server.close();
        resend.close();
    }

    static JsonNode created(Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    static String posted(JsonNode update) {
        return POSTED.format(Instant.parse(update.get("created_at").asText()));
    }

    @Test
    void anIncidentGoesForwardToResolvedWithTheRunbooksTexts() {
        JsonNode open = created(server.post("/ops/incidents", "{\"template\":\"major\"}", admin()));
        String id = open.get("id").asText();
        assertThat(open.get("title").asText()).isEqualTo("Payment Processing Delays");
        assertThat(open.get("impact").asText()).isEqualTo("major");
        assertThat(open.get("status").asText()).isEqualTo("identified");
        assertThat(open.get("components").toString()).isEqualTo("[\"payments\"]");
        assertThat(open.get("resolved_at").isNull()).isTrue();
        assertThat(open.get("text").asText()).isEqualTo(RunbookBlocks.template("Status Page Update (Major Incident)")
                .replace("[TIME]", posted(open.get("updates").get(0))));

        JsonNode monitoring = created(server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"monitoring\",\"message\":\"A fix is deployed; confirmations are going out.\"}", admin()));
        assertThat(monitoring.get("status").asText()).isEqualTo("monitoring");
        assertThat(monitoring.get("updates")).hasSize(2);
        assertThat(monitoring.get("text").asText()).startsWith("[Monitoring] Payment Processing Delays\n\n");

        // Another update in the same status is fine; going back is not.
        created(server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"monitoring\",\"message\":\"Still watching.\"}", admin()));
        Response back = server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"investigating\",\"message\":\"Hmm.\"}", admin());
        assertThat(back.status()).isEqualTo(409);
        assertThat(back.json().get("error").asText()).isEqualTo("status_backwards");
        assertThat(back.json().get("message").asText()).contains("monitoring").contains("investigating");

        JsonNode resolved = created(server.post("/ops/incidents/" + id + "/updates", """
                {"status":"resolved","message":"The issue affecting payment confirmations has been resolved. All delayed emails have been sent. We're monitoring closely to ensure stability.",
                 "root_cause":"Webhook signature verification misconfiguration","fix":"Updated STRIPE_WEBHOOK_SECRET and restarted services"}""",
                admin()));
        assertThat(resolved.get("status").asText()).isEqualTo("resolved");
        assertThat(resolved.get("resolved_at").asText()).endsWith("Z");
        assertThat(resolved.get("text").asText()).isEqualTo(RunbookBlocks.template("Resolution Announcement")
                .replace("[TIME]", posted(resolved.get("updates").get(0))));
        assertThat(resolved.get("updates")).hasSize(4);
        assertThat(resolved.get("updates").get(0).get("status").asText()).isEqualTo("resolved");
        assertThat(resolved.get("updates").get(3).get("status").asText()).isEqualTo("identified");

        Response after = server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"resolved\",\"message\":\"again\"}", admin());
        assertThat(after.status()).isEqualTo(409);
        assertThat(after.json().get("error").asText()).isEqualTo("incident_resolved");

        JsonNode fetched = server.get("/ops/incidents/" + id, admin()).json();
        assertThat(fetched.get("updates")).hasSize(4);
        assertThat(fetched.get("text").asText()).isEqualTo(resolved.get("text").asText());
    }

    @Test
    void theMinorTemplateAndFieldsGivenOverIt() {
        JsonNode minor = created(server.post("/ops/incidents", "{\"template\":\"minor\"}", admin()));
        assertThat(minor.get("text").asText()).isEqualTo(RunbookBlocks.template("Status Page Update (Minor Incident)")
                .replace("[TIME]", posted(minor.get("updates").get(0))));
        assertThat(minor.get("components").toString()).isEqualTo("[\"api\"]");

        JsonNode own = created(server.post("/ops/incidents", """
                {"template":"minor","title":"Slow job intake","components":["queue","api","queue"],"impact":"critical",
                 "workaround":"Use the batch endpoint.","next_update_minutes":15}""", admin()));
        assertThat(own.get("title").asText()).isEqualTo("Slow job intake");
        assertThat(own.get("impact").asText()).isEqualTo("critical");
        assertThat(own.get("components").toString()).isEqualTo("[\"api\",\"queue\"]");
        assertThat(own.get("text").asText()).startsWith("[Investigating] Slow job intake\n\nWe're investigating")
                .contains("\n\nWorkaround: Use the batch endpoint.\n\nPosted: ").endsWith(" UTC\nNext update: 15 minutes");
    }

    @Test
    void badRequestsNameEveryProblem() {
        Response r = server.post("/ops/incidents", "{\"impact\":\"huge\",\"components\":[\"api\",\"cache\"],"
                + "\"status\":\"done\",\"colour\":\"red\",\"title\":\"" + "x".repeat(201) + "\"}", admin());
        assertThat(r.status()).isEqualTo(400);
        JsonNode d = r.json().get("details");
        assertThat(d.get("impact").asText()).contains("minor, major, critical or maintenance");
        assertThat(d.get("components").asText()).contains("\"cache\"");
        assertThat(d.get("status").asText()).contains("investigating");
        assertThat(d.get("colour").asText()).isEqualTo("is not a known field");
        assertThat(d.get("title").asText()).contains("1 to 200");
        assertThat(d.get("message").asText()).isEqualTo("is required");

        Response control = server.post("/ops/incidents", "{\"template\":\"minor\",\"message\":\"bell\\u0007\"}", admin());
        assertThat(control.status()).isEqualTo(400);
        assertThat(control.json().get("details").get("message").asText()).contains("control characters");

        assertThat(server.post("/ops/incidents", "{\"template\":\"medium\"}", admin()).json().get("details")
                .get("template").asText()).isEqualTo("must be minor or major");
        assertThat(server.get("/ops/incidents/not-a-uuid", admin()).status()).isEqualTo(404);
        Response missing = server.post("/ops/incidents/0193d7a2-0000-7000-8000-000000000000/updates",
                "{\"status\":\"resolved\",\"message\":\"x\"}", admin());
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error").asText()).isEqualTo("incident_not_found");
        assertThat(server.post("/ops/incidents", "{\"template\":\"minor\"}").status()).isEqualTo(401);
        assertThat(server.get("/ops/incidents?status=closed", admin()).status()).isEqualTo(400);
    }

    @Test
    void listingFiltersOpenAndResolvedNewestFirst() {
        String a = created(server.post("/ops/incidents", "{\"template\":\"minor\",\"title\":\"List A\"}", admin()))
                .get("id").asText();
        String b = created(server.post("/ops/incidents", "{\"template\":\"minor\",\"title\":\"List B\","
                + "\"status\":\"resolved\"}", admin())).get("id").asText();
        List<String> open = ids(server.get("/ops/incidents?status=open&limit=1000", admin()).json());
        List<String> resolved = ids(server.get("/ops/incidents?status=resolved&limit=1000", admin()).json());
        assertThat(open).contains(a).doesNotContain(b);
        assertThat(resolved).contains(b).doesNotContain(a);
        List<String> all = ids(server.get("/ops/incidents?limit=1000", admin()).json());
        assertThat(all.indexOf(b)).isLessThan(all.indexOf(a));
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.get("incidents").forEach(i -> ids.add(i.get("id").asText()));
        assertThat(list.get("count").asInt()).isEqualTo(ids.size());
        return ids;
    }

    @Test
    void notifyQueuesTheRunbooksEmailOncePerAccountHoweverOftenItIsCalled() {
        String ada = server.createAccount("ada@notify.example.com", "pro").get("account_id").asText();
        String bob = server.createAccount("bob@notify.example.com", "free").get("account_id").asText();
        String id = created(server.post("/ops/incidents", """
                {"title":"Job intake errors","impact":"major","components":["api","queue"],"status":"investigating",
                 "message":"Some intake requests fail."}""", admin())).get("id").asText();
        String body = "{\"accounts\":[\"" + ada + "\"],\"what_happened\":[\"A bad deploy\"],"
                + "\"what_we_did\":[\"Rolled back\"],\"prevention\":[\"Canary deploys\"]}";

        Response early = server.post("/ops/incidents/" + id + "/notify", body, admin());
        assertThat(early.status()).isEqualTo(409);
        assertThat(early.json().get("error").asText()).isEqualTo("incident_not_resolved");

        JsonNode resolved = created(server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"resolved\",\"message\":\"Fixed.\",\"root_cause\":\"A bad deploy\"}", admin()));
        Response first = server.post("/ops/incidents/" + id + "/notify", body, admin());
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("queued").asInt()).isEqualTo(1);
        assertThat(first.json().get("already_sent").asInt()).isZero();
        Response again = server.post("/ops/incidents/" + id + "/notify", body, admin());
        assertThat(again.json().get("queued").asInt()).isZero();
        assertThat(again.json().get("already_sent").asInt()).isEqualTo(1);

        // "all": Bob is new, Ada has had hers; what_happened comes from the resolution's root cause.
        Response all = server.post("/ops/incidents/" + id + "/notify",
                "{\"accounts\":\"all\",\"what_we_did\":[\"Rolled back\"],\"prevention\":[\"Canary deploys\"]}", admin());
        assertThat(all.json().get("queued").asInt()).isEqualTo(server.get("/ops/accounts?limit=1000", admin()).json()
                .get("accounts").size() - 1);
        assertThat(all.json().get("already_sent").asInt()).isEqualTo(1);

        Await.until("both emails delivered", Duration.ofSeconds(30), () -> resend.delivered().stream()
                .filter(e -> e.get("to").toString().contains("notify.example.com")).count() == 2);
        JsonNode toAda = resend.delivered().stream().filter(e -> e.get("to").toString().contains("ada@")).findFirst()
                .orElseThrow();
        Instant start = Instant.parse(resolved.get("created_at").asText());
        Instant end = Instant.parse(resolved.get("resolved_at").asText());
        assertThat(toAda.get("subject").asText()).isEqualTo("Brief Service Disruption - Resolved");
        assertThat(toAda.get("text").asText().stripTrailing()).isEqualTo(
                RunbookBlocks.template("Email to Affected Users").substring(
                        "Subject: Brief Service Disruption - Resolved\n\n".length())
                        .replace("[Name]", "ada")
                        .replace("[DATE]", start.toString().substring(0, 10))
                        .replace("[START]", start.toString().substring(11, 16))
                        .replace("[END]", end.toString().substring(11, 16))
                        .replace("[FEATURE]", "the API and job processing")
                        .replace("[Brief description]", "A bad deploy")
                        .replace("[Resolution steps]", "Rolled back")
                        .replace("[Prevention measures]", "Canary deploys"));
        assertThat(resend.deliveriesByKey().values()).allMatch(n -> n == 1);

        Response unknown = server.post("/ops/incidents/" + id + "/notify",
                "{\"accounts\":[\"0193d7a2-0000-7000-8000-000000000000\"],\"what_we_did\":\"y\",\"prevention\":[\"x\"]}",
                admin());
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("details").get("accounts").asText()).contains("0193d7a2-0000-7000-8000-000000000000");
        Response noPrevention = server.post("/ops/incidents/" + id + "/notify", "{\"accounts\":\"all\"}", admin());
        assertThat(noPrevention.status()).isEqualTo(400);
        assertThat(noPrevention.json().get("details").has("prevention")).isTrue();
        assertThat(noPrevention.json().get("details").has("what_we_did")).isTrue();
    }

    @Test
    void maintenanceIsScheduledListedAndCancelled() {
        Instant start = Instant.now().plus(Duration.ofHours(2));
        JsonNode m = created(server.post("/ops/maintenance", "{\"title\":\"Database upgrade\",\"components\":[\"database\"],"
                + "\"starts_at\":\"" + start + "\",\"ends_at\":\"" + start.plus(Duration.ofHours(1))
                + "\",\"message\":\"Postgres 15 to 16.\"}", admin()));
        assertThat(m.get("status").asText()).isEqualTo("scheduled");
        assertThat(ids(server.get("/ops/maintenance?status=scheduled", admin()).json(), "maintenances"))
                .contains(m.get("id").asText());
        Response bad = server.post("/ops/maintenance", "{\"title\":\"x\",\"components\":[\"db\"],\"starts_at\":\"tomorrow\","
                + "\"ends_at\":\"2020-01-01T00:00:00Z\",\"message\":\"m\"}", admin());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("details").get("starts_at").asText()).contains("ISO-8601");
        assertThat(bad.json().get("details").get("components").asText()).contains("\"db\"");
        Response backwards = server.post("/ops/maintenance", "{\"title\":\"x\",\"components\":[\"api\"],\"starts_at\":\""
                + start + "\",\"ends_at\":\"" + start.minusSeconds(60) + "\",\"message\":\"m\"}", admin());
        assertThat(backwards.json().get("details").get("ends_at").asText()).isEqualTo("must be after starts_at");

        JsonNode cancelled = server.delete("/ops/maintenance/" + m.get("id").asText(), admin()).json();
        assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
        assertThat(ids(server.get("/ops/maintenance?status=cancelled", admin()).json(), "maintenances"))
                .contains(m.get("id").asText());
        assertThat(server.delete("/ops/maintenance/0193d7a2-0000-7000-8000-000000000000", admin()).status())
                .isEqualTo(404);
    }

    private static List<String> ids(JsonNode list, String field) {
        List<String> ids = new ArrayList<>();
        list.get(field).forEach(i -> ids.add(i.get("id").asText()));
        return ids;
    }
}
