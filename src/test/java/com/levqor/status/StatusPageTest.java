package com.levqor.status;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.edge.SecurityHeaders;
import com.levqor.testing.Await;
import com.levqor.testing.MutableClock;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The public status endpoints of a running server whose clock the test moves: Statuspage's summary
 * shape, incidents and maintenance windows changing the components, the Atom feed, the badge, and
 * the page's headers. The snapshot refreshes by itself within seconds, so each check waits for it.
 */
class StatusPageTest {
    static final Duration REFRESH = Duration.ofSeconds(20);
    static final String ATOM = "http://www.w3.org/2005/Atom";
    static final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T18:00:00Z"));
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("STATUS_PAGE_TITLE", "Acme Status"), clock);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JsonNode statusJson(String what, Predicate<JsonNode> ok) {
        return Await.value(what, REFRESH, () -> server.get("/status.json").json(), ok);
    }

    static String component(JsonNode status, String name) {
        for (JsonNode c : status.get("components")) {
            if (c.get("name").asText().equals(name)) {
                return c.get("status").asText();
            }
        }
        throw new AssertionError("no component " + name + " in " + status);
    }

    static JsonNode open(String body) {
        Response r = server.post("/ops/incidents", body, admin());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    @Test
    void statusJsonHasStatuspagesSummaryShape() {
        Response r = server.get("/status.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.get("page").get("name").asText()).isEqualTo("Acme Status");
        assertThat(j.get("page").get("url").asText()).isEqualTo(server.uri("/status").toString());
        assertThat(j.get("page").get("updated_at").asText()).endsWith("Z");
        assertThat(j.get("status").get("indicator").asText()).isIn("none", "minor", "major", "critical", "maintenance");
        assertThat(j.get("status").get("description").asText()).isNotBlank();
        List<String> names = new ArrayList<>();
        j.get("components").forEach(c -> {
            names.add(c.get("name").asText());
            assertThat(c.get("status").asText()).isIn("operational", "degraded_performance", "partial_outage",
                    "major_outage", "under_maintenance");
        });
        assertThat(names).containsExactly("api", "database", "queue", "payments", "email");
        assertThat(j.get("incidents").isArray()).isTrue();
        assertThat(j.get("scheduled_maintenances").isArray()).isTrue();
    }

    @Test
    void anOpenIncidentWorsensItsComponentsUntilItIsResolved() {
        JsonNode incident = open("""
                {"title":"Emails delayed","impact":"critical","components":["email"],"status":"investigating",
                 "message":"Emails are <b>not</b> going out & we are on it."}""");
        String id = incident.get("id").asText();
        JsonNode during = statusJson("the incident on the page", s -> component(s, "email").equals("major_outage"));
        assertThat(during.get("status").get("indicator").asText()).isEqualTo("critical");
        assertThat(during.get("status").get("description").asText()).isEqualTo("Major Service Outage");
        JsonNode listed = null;
        for (JsonNode i : during.get("incidents")) {
            if (i.get("id").asText().equals(id)) {
                listed = i;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("name").asText()).isEqualTo("Emails delayed");
        assertThat(listed.get("impact").asText()).isEqualTo("critical");
        assertThat(listed.get("shortlink").asText()).isEqualTo(server.uri("/status/incidents/" + id).toString());
        assertThat(listed.get("incident_updates").get(0).get("body").asText()).startsWith("Emails are <b>not</b>");
        assertThat(listed.get("components").get(0).get("status").asText()).isEqualTo("major_outage");

        String page = server.get("/status").body();
        assertThat(page).contains("Active incidents").contains("Emails delayed")
                .contains("Emails are &lt;b&gt;not&lt;/b&gt; going out &amp; we are on it.")
                .doesNotContain("<b>not</b>");
        Response permalink = server.get("/status/incidents/" + id);
        assertThat(permalink.status()).isEqualTo(200);
        assertThat(permalink.body()).contains("<h1>Emails delayed</h1>").contains("Investigating");
        assertThat(server.get("/status/badge.svg").body()).contains(">major outage<");

        clock.advance(Duration.ofMinutes(20));
        Response resolved = server.post("/ops/incidents/" + id + "/updates",
                "{\"status\":\"resolved\",\"message\":\"Emails are flowing again.\"}", admin());
        assertThat(resolved.status()).isEqualTo(201);
        JsonNode after = statusJson("the incident resolved", s -> component(s, "email").equals("operational"));
        after.get("incidents").forEach(i -> assertThat(i.get("id").asText()).isNotEqualTo(id));
        String past = server.get("/status").body();
        assertThat(past.substring(past.indexOf("Past incidents"))).contains("Emails delayed").contains("Resolved");
        assertThat(server.get("/status/incidents/" + id).body()).contains("Emails are flowing again.");
        assertThat(server.get("/status/incidents/0193d7a2-0000-7000-8000-000000000000").status()).isEqualTo(404);
    }

    @Test
    void maintenanceWindowsOpenAndCloseByThemselves() {
        Instant starts = clock.instant().plus(Duration.ofHours(1));
        Response r = server.post("/ops/maintenance", "{\"title\":\"Database upgrade\",\"components\":[\"database\"],"
                + "\"starts_at\":\"" + starts + "\",\"ends_at\":\"" + starts.plus(Duration.ofMinutes(30))
                + "\",\"message\":\"Postgres moves to a bigger machine.\"}", admin());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String id = r.json().get("id").asText();

        JsonNode ahead = statusJson("the window announced", s -> maintenance(s, id) != null);
        assertThat(maintenance(ahead, id).get("status").asText()).isEqualTo("scheduled");
        assertThat(maintenance(ahead, id).get("scheduled_for").asText()).isEqualTo(starts.toString());
        assertThat(component(ahead, "database")).isEqualTo("operational");
        assertThat(server.get("/status").body()).contains("Scheduled maintenance").contains("Database upgrade");

        clock.set(starts.plusSeconds(1));
        JsonNode during = statusJson("the window open", s -> component(s, "database").equals("under_maintenance"));
        assertThat(maintenance(during, id).get("status").asText()).isEqualTo("in_progress");
        assertThat(server.get("/ops/maintenance?status=in_progress", admin()).body()).contains(id);

        clock.set(starts.plus(Duration.ofMinutes(30)));
        JsonNode after = statusJson("the window closed", s -> maintenance(s, id) == null);
        assertThat(component(after, "database")).isEqualTo("operational");
        assertThat(server.get("/ops/maintenance?status=completed", admin()).body()).contains(id);
    }

    private static JsonNode maintenance(JsonNode status, String id) {
        for (JsonNode m : status.get("scheduled_maintenances")) {
            if (m.get("id").asText().equals(id)) {
                return m;
            }
        }
        return null;
    }

    @Test
    void theAtomFeedIsAtomWithOneEntryPerUpdate() throws Exception {
        String id = open("{\"template\":\"minor\",\"title\":\"Feed <check> & more\"}").get("id").asText();
        server.post("/ops/incidents/" + id + "/updates", "{\"status\":\"identified\",\"message\":\"Found it.\"}", admin());
        Response feed = Await.value("both updates in the feed", REFRESH, () -> server.get("/status/history.atom"),
                f -> f.body().contains("[Identified] Feed &lt;check&gt; &amp; more"));
        assertThat(feed.header("Content-Type")).startsWith("application/atom+xml");

        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(feed.body().getBytes(StandardCharsets.UTF_8)));
        Element root = doc.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(ATOM);
        assertThat(root.getLocalName()).isEqualTo("feed");
        for (String required : List.of("id", "title", "updated", "author")) {
            assertThat(children(root, required)).as("feed/" + required).hasSize(1);
        }
        assertThat(text(root, "updated")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        int updates = 0;
        for (JsonNode i : server.get("/ops/incidents?limit=1000", admin()).json().get("incidents")) {
            updates += i.get("updates").size();
        }
        List<Element> entries = children(root, "entry");
        assertThat(entries).hasSize(updates);
        Set<String> ids = new HashSet<>();
        List<String> titles = new ArrayList<>();
        for (Element e : entries) {
            for (String required : List.of("id", "title", "updated", "link", "content")) {
                assertThat(children(e, required)).as("entry/" + required).isNotEmpty();
            }
            assertThat(ids.add(text(e, "id"))).isTrue();
            assertThat(text(e, "id")).startsWith("urn:uuid:");
            assertThat(children(e, "link").get(0).getAttribute("href")).startsWith(server.uri("/status/incidents/").toString());
            titles.add(text(e, "title"));
        }
        int identified = titles.indexOf("[Identified] Feed <check> & more");
        assertThat(identified).isNotNegative().isLessThan(titles.indexOf("[Investigating] Feed <check> & more"));
        String content = text(entries.get(identified), "content");
        assertThat(content).startsWith("[Identified] Feed <check> & more\n\nFound it.\n\nPosted: ");
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList all = parent.getChildNodes();
        for (int i = 0; i < all.getLength(); i++) {
            if (all.item(i) instanceof Element e && ATOM.equals(e.getNamespaceURI()) && e.getLocalName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static String text(Element parent, String name) {
        return children(parent, name).get(0).getTextContent();
    }

    @Test
    void thePageLoadsOnlyItsOwnResourcesUnderThePagePolicy() throws Exception {
        Response page = server.get("/status");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).isEqualTo(SecurityHeaders.HTML_CSP);
        assertThat(page.header("Cache-Control")).isEqualTo("public, max-age=5");
        String html = page.body();
        assertThat(html).doesNotContainIgnoringCase("<script").doesNotContain(" style=").doesNotContain("<style");
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        List<String> urls = new ArrayList<>();
        while (refs.find()) {
            urls.add(refs.group(1));
        }
        assertThat(urls).isNotEmpty().allMatch(u -> u.startsWith("/") || u.startsWith("#"), "same-origin paths only");
        assertThat(html).contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        for (String label : List.of("API", "Database", "Job queue", "Payments", "Email")) {
            assertThat(html).contains("<h3>" + label + "</h3>");
        }

        Matcher css = Pattern.compile("href=\"(/status/style\\.css\\?v=[0-9a-f]+)\"").matcher(html);
        assertThat(css.find()).isTrue();
        Response style = server.get(css.group(1));
        assertThat(style.status()).isEqualTo(200);
        assertThat(style.header("Content-Type")).startsWith("text/css");
        assertThat(style.body()).contains(".overall");

        // Conditional and compressed answers: the same bytes, rendered and gzipped once per snapshot.
        String etag = page.header("ETag");
        Response again = server.get("/status", "If-None-Match", etag);
        assertThat(again.status()).isIn(200, 304); // 200 when the snapshot was refreshed in between
        if (again.status() == 304) {
            assertThat(again.body()).isEmpty();
        }
        HttpResponse<byte[]> gz = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/status"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
        String unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(unzipped).startsWith("<!DOCTYPE html>").contains("Acme Status");
    }

    @Test
    void theBadgeIsAnSvgOfTheOverallState() throws Exception {
        Response badge = server.get("/status/badge.svg");
        assertThat(badge.status()).isEqualTo(200);
        assertThat(badge.header("Content-Type")).startsWith("image/svg+xml");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Element svg = f.newDocumentBuilder().parse(new ByteArrayInputStream(badge.body().getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement();
        assertThat(svg.getLocalName()).isEqualTo("svg");
        assertThat(svg.getAttribute("aria-label")).startsWith("status: ");
        String indicator = server.get("/status.json").json().get("status").get("indicator").asText();
        assertThat(svg.getAttribute("aria-label")).isEqualTo("status: " + switch (indicator) {
            case "none" -> "operational";
            case "maintenance" -> "maintenance";
            case "minor" -> "degraded";
            case "major" -> "partial outage";
            default -> "major outage";
        });
    }

    @Test
    void turnedOffThePublicEndpointsAnswer404AndIncidentsStillWork() {
        try (TestServer off = TestServer.start(Map.of("STATUS_PAGE_ENABLED", "false"))) {
            for (String path : List.of("/status", "/status.json", "/status/history.atom", "/status/badge.svg")) {
                Response r = off.get(path);
                assertThat(r.status()).as(path).isEqualTo(404);
                assertThat(r.json().get("message").asText()).contains("STATUS_PAGE_ENABLED=false");
            }
            assertThat(off.post("/ops/incidents", "{\"template\":\"minor\"}", admin()).status()).isEqualTo(201);
        }
    }
}
