package com.levqor.http;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.MutableClock;
import com.levqor.testing.RawHttp;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The public status routes served on the selector from prepared bytes ({@link StatusRoutes}) answer
 * exactly as the Javalin handlers do: one table of requests (plain, gzipped, conditional, with a
 * query, CORS, a request id of the caller's, HEAD, routes and paths left to Javalin, a blocked
 * address) is sent to a server with the selector path and to one without it (Javalin serves every
 * request), both rendering the same instant; status, headers (but Date, the framing and the request
 * id) and bodies (decompressed, the server's port and ids masked) must be the same. Each request
 * the table expects on the selector path must have been served there (its counter), and nothing
 * else; the access log and the request metric see the inline requests as they see Javalin's.
 */
class StatusInlineTest {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern INSTANT = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
    private static final Pattern TAG = Pattern.compile("\"([a-z])\\d+(-[0-9a-f]+)?\"");
    private static final String ORIGIN = "https://app.example.com";
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One request of the table and whether the selector path should serve it. */
    private record Case(String name, String method, String path, boolean inline, String... headers) {
    }

    @Test
    void everyStatusRequestAnswersAlikeOnBothPaths() throws Exception {
        compare(Map.of());
    }

    @Test
    void andWithSecurityHeadersOff() throws Exception {
        compare(Map.of("SECURITY_HEADERS_ENABLED", "false"));
    }

    @Test
    void andWithAPublicBaseUrl() throws Exception {
        compare(Map.of("PUBLIC_BASE_URL", "https://status.example.com"));
    }

    @Test
    void turnedOffTheRoutesAreLeftToJavalinAndAnswer404() throws Exception {
        Map<String, String> env = Map.of("WORKER_CONCURRENCY", "0", "STATUS_PAGE_ENABLED", "false");
        MutableClock clock = new MutableClock(Instant.parse("2026-12-04T18:00:00Z"));
        try (TestServer direct = TestServer.start(env, clock);
             TestServer javalin = TestServer.startJavalinOnly(env, clock)) {
            StatusRoutes routes = direct.app().statusRoutes().orElseThrow();
            for (String path : List.of("/status", "/status.json", "/status/badge.svg", "/status/style.css")) {
                long before = routes.servedInline();
                Map<String, Object> a = shape(direct, send(direct, "GET", path));
                Map<String, Object> b = shape(javalin, send(javalin, "GET", path));
                assertThat(a).as(path).isEqualTo(b);
                assertThat(a.get("status")).isEqualTo(404);
                assertThat((String) a.get("body")).contains("STATUS_PAGE_ENABLED=false");
                assertThat(routes.servedInline() - before).as(path + " served inline").isZero();
            }
        }
    }

    @Test
    void inlineAnswersLeaveTheirAccessLogLineAndMetric() {
        try (TestServer s = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"))) {
            StatusRoutes routes = s.app().statusRoutes().orElseThrow();
            awaitSnapshot(s);
            long before = routes.servedInline();
            Response r = s.get("/status.json?from=test", "X-Request-Id", "inline-status-1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-Request-Id")).isEqualTo("inline-status-1");
            assertThat(routes.servedInline() - before).isEqualTo(1);
            Await.until("the access-log line", Duration.ofSeconds(10),
                    () -> s.logText("app.log").contains("rid=inline-status-1"));
            assertThat(s.logText("app.log")).containsPattern("GET /status\\.json 200 [0-9.]+ms rid=inline-status-1");
            assertThat(s.get("/metrics").body()).containsPattern(
                    "levqor_http_request_duration_seconds_count\\{[^}]*route=\"/status.json\"[^}]*status=\"200\"[^}]*} [1-9]");
        }
    }

    @Test
    void pipelinedStatusRequestsAreAnsweredInOrder() throws Exception {
        try (TestServer s = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"))) {
            StatusRoutes routes = s.app().statusRoutes().orElseThrow();
            awaitSnapshot(s);
            long before = routes.servedInline();
            String json = "GET /status.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
            String badge = "GET /status/badge.svg HTTP/1.1\r\nHost: localhost\r\n\r\n";
            String uptime = "GET /ops/uptime HTTP/1.1\r\nHost: localhost\r\n\r\n";
            try (Socket c = new Socket("127.0.0.1", s.uri("/").getPort())) {
                c.setSoTimeout(15_000);
                OutputStream out = c.getOutputStream();
                out.write((json + badge + uptime + json + badge).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                List<String> got = RawHttp.answers(c.getInputStream(), 5);
                assertThat(got).extracting(a -> a.substring(0, 3)).containsExactly("200", "200", "200", "200", "200");
                assertThat(got.get(0)).contains("\"page\":");
                assertThat(got.get(1)).contains("<svg");
                assertThat(got.get(2)).contains("\"services\":");
                assertThat(got.get(3)).contains("\"page\":");
                assertThat(got.get(4)).contains("<svg");
            }
            assertThat(routes.servedInline() - before).isEqualTo(4);
        }
    }

    private static void compare(Map<String, String> flags) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("WORKER_CONCURRENCY", "0",
                "CORS_ALLOWED_ORIGINS", ORIGIN, "ABUSE_FAILED_AUTH_LIMIT", "3", "STATUS_PAGE_TITLE", "Parity Status"));
        env.putAll(flags);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-04T18:00:00Z"));
        try (TestServer direct = TestServer.start(env, clock);
             TestServer javalin = TestServer.startJavalinOnly(env, clock)) {
            assertThat(javalin.app().statusRoutes()).isEmpty();
            StatusRoutes routes = direct.app().statusRoutes().orElseThrow();
            String css = prepare(direct);
            assertThat(prepare(javalin)).isEqualTo(css);
            List<Case> table = table(css);
            for (Case c : table) {
                long[] inline = new long[1];
                Map<String, Object> a = run(direct, c, routes, inline);
                Map<String, Object> b = run(javalin, c, null, null);
                assertThat(a).as("case " + c.name() + " with " + flags).isEqualTo(b);
                assertThat(inline[0]).as("case " + c.name() + " served on the selector").isEqualTo(c.inline() ? 1 : 0);
            }
            block(direct);
            block(javalin);
            for (Case c : List.of(new Case("blocked, json", "GET", "/status.json", true),
                    new Case("blocked, page", "GET", "/status", true, "Accept-Encoding", "gzip"),
                    new Case("blocked, badge", "GET", "/status/badge.svg", true, "Origin", ORIGIN),
                    new Case("blocked, HEAD", "HEAD", "/status", false))) {
                long[] inline = new long[1];
                Map<String, Object> a = run(direct, c, routes, inline);
                Map<String, Object> b = run(javalin, c, null, null);
                assertThat(a).as("case " + c.name() + " with " + flags).isEqualTo(b);
                assertThat(inline[0]).as("case " + c.name() + " served on the selector").isEqualTo(c.inline() ? 1 : 0);
                if (c.method().equals("GET")) {
                    assertThat(a.get("status")).isEqualTo(403);
                    assertThat((String) a.get("body")).contains("\"error\":\"ip_blocked\"");
                }
            }
        }
    }

    /** The table; {@code css} is the stylesheet's path as the page links it. */
    private static List<Case> table(String css) {
        List<Case> t = new ArrayList<>();
        for (String path : List.of("/status.json", "/status", "/status/badge.svg", css)) {
            t.add(new Case(path + " plain", "GET", path, true));
            t.add(new Case(path + " gzip", "GET", path, true, "Accept-Encoding", "gzip, deflate"));
            t.add(new Case(path + " br only", "GET", path, true, "Accept-Encoding", "br"));
            t.add(new Case(path + " If-None-Match", "GET", path, true, "If-None-Match", "(current)"));
            t.add(new Case(path + " If-None-Match gzip", "GET", path, true, "If-None-Match", "(current)",
                    "Accept-Encoding", "gzip"));
            t.add(new Case(path + " stale If-None-Match", "GET", path, true, "If-None-Match", "\"x1\""));
            t.add(new Case(path + " CORS", "GET", path, true, "Origin", ORIGIN));
            t.add(new Case(path + " CORS gzip", "GET", path, true, "Origin", ORIGIN, "Accept-Encoding", "gzip"));
            t.add(new Case(path + " other origin", "GET", path, true, "Origin", "https://elsewhere.example"));
            t.add(new Case(path + " request id", "GET", path, true, "X-Request-Id", "parity-" + path.length()));
            t.add(new Case(path + " HEAD", "HEAD", path, false));
            t.add(new Case(path + " Content-Length 0", "GET", path, true, "(empty body)", ""));
            t.add(new Case(path + " with a body", "GET", path, false, "(body)", "{}"));
        }
        t.add(new Case("json with a query", "GET", "/status.json?callback=x&y=1", true));
        t.add(new Case("page with a query, gzip", "GET", "/status?refresh=1", true, "Accept-Encoding", "gzip"));
        t.add(new Case("json, GZIP in capitals", "GET", "/status.json", true, "Accept-Encoding", "GZIP"));
        t.add(new Case("json, gzip with a weight", "GET", "/status.json", true, "Accept-Encoding", "gzip;q=1.0"));
        t.add(new Case("json, another host", "GET", "/status.json", true, "(host)", "status.example.org:8443"));
        t.add(new Case("json, a strange host", "GET", "/status.json", true, "(host)", "bad_host!"));
        t.add(new Case("page, trailing slash", "GET", "/status/", false));
        t.add(new Case("unknown incident", "GET", "/status/incidents/0193d7a2-0000-7000-8000-000000000000", false));
        t.add(new Case("not an incident id", "GET", "/status/incidents/nope", false));
        t.add(new Case("feed", "GET", "/status/history.atom", false));
        t.add(new Case("POST to the json", "POST", "/status.json", false, "(body)", "{}"));
        t.add(new Case("encoded path", "GET", "/status%2Ejson", false));
        return t;
    }

    /**
     * Opens an incident with an update (so /status.json is over Javalin's compression threshold) and
     * waits for the snapshot to show it; returns the stylesheet's path from the page.
     */
    private static String prepare(TestServer s) {
        Response opened = s.post("/ops/incidents", """
                {"title":"Emails delayed","impact":"minor","components":["email"],"status":"investigating",
                 "message":"Emails leave late; we are on it.","workaround":"Retry in a few minutes."}""", admin());
        assertThat(opened.status()).as(opened.body()).isEqualTo(201);
        String id = opened.json().get("id").asText();
        assertThat(s.post("/ops/incidents/" + id + "/updates", "{\"status\":\"identified\",\"message\":\"A slow "
                + "provider; " + "moving traffic away. ".repeat(40) + "\"}", admin()).status()).isEqualTo(201);
        Await.until("the incident on the status page", Duration.ofSeconds(20),
                () -> s.get("/status.json").body().contains("moving traffic away") && s.get("/status").body()
                        .contains("Emails delayed"));
        String page = s.get("/status").body();
        var m = Pattern.compile("href=\"(/status/style\\.css\\?v=[0-9a-f]+)\"").matcher(page);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static void awaitSnapshot(TestServer s) {
        Await.until("a snapshot", Duration.ofSeconds(20), () -> s.get("/status.json").status() == 200);
    }

    /** Fails the admin key until the address is blocked, and waits until the status page refuses it. */
    private static void block(TestServer s) {
        for (int i = 0; i < 3; i++) {
            assertThat(s.get("/ops/flags", "Authorization", "Bearer wrong-admin-key-0123456789").status()).isEqualTo(401);
        }
        Await.until("the address blocked", Duration.ofSeconds(10), () -> s.get("/status.json").status() == 403);
    }

    /**
     * One case's answer; a conditional case asks with the answer's current tag, again while the
     * snapshot changed in between (a refresh every few seconds). {@code inline[0]}: whether the
     * selector path served the case's request (not the one that fetched the tag).
     */
    private static Map<String, Object> run(TestServer s, Case c, StatusRoutes routes, long[] inline) throws Exception {
        for (int attempt = 0; ; attempt++) {
            String current = null;
            List<String> headers = new ArrayList<>(List.of(c.headers()));
            int inm = headers.indexOf("If-None-Match");
            if (inm >= 0 && headers.get(inm + 1).equals("(current)")) {
                current = send(s, "GET", c.path()).headers().firstValue("ETag").orElseThrow();
                headers.set(inm + 1, current);
            }
            long before = routes == null ? 0 : routes.servedInline();
            HttpResponse<byte[]> r = send(s, c.method(), c.path(), headers.toArray(new String[0]));
            if (routes != null) {
                inline[0] = routes.servedInline() - before;
            }
            if (current != null && r.statusCode() == 200 && attempt < 5) {
                continue; // the snapshot was refreshed between the two requests
            }
            Map<String, Object> m = shape(s, r);
            m.put("case", c.name());
            return m;
        }
    }

    private static HttpResponse<byte[]> send(TestServer s, String method, String path, String... headers)
            throws IOException, InterruptedException {
        String host = null;
        String body = null;
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            switch (headers[i]) {
                case "(host)" -> host = headers[i + 1];
                case "(body)", "(empty body)" -> body = headers[i + 1];
                default -> {
                    pairs.add(headers[i]);
                    pairs.add(headers[i + 1]);
                }
            }
        }
        if (host != null || path.contains("%") || (body != null && method.equals("GET"))) {
            return raw(s, method, path, host, body, pairs); // what HttpClient will not send
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (!pairs.isEmpty()) {
            b.headers(pairs.toArray(new String[0]));
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A request written by hand (a Host header of the test's choosing, a GET with a body), its answer parsed. */
    private static HttpResponse<byte[]> raw(TestServer s, String method, String path, String host, String body,
                                            List<String> pairs) throws IOException {
        int port = s.uri("/").getPort();
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: "
                + (host != null ? host : "127.0.0.1:" + port) + "\r\nConnection: close\r\n");
        for (int i = 0; i < pairs.size(); i += 2) {
            req.append(pairs.get(i)).append(": ").append(pairs.get(i + 1)).append("\r\n");
        }
        if (body != null) {
            req.append("Content-Length: ").append(body.length()).append("\r\n");
        }
        req.append("\r\n").append(body == null ? "" : body);
        try (Socket c = new Socket("127.0.0.1", port)) {
            c.setSoTimeout(15_000);
            c.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            c.getOutputStream().flush();
            byte[] all = c.getInputStream().readAllBytes();
            return RawAnswer.parse(all, s.uri(path));
        }
    }

    /** Status, headers and body, with what differs by nature (ids, tags' versions, the port, framing) masked. */
    private static Map<String, Object> shape(TestServer s, HttpResponse<byte[]> r) throws IOException {
        Map<String, Object> m = new TreeMap<>();
        m.put("status", r.statusCode());
        r.headers().map().forEach((header, values) -> {
            String n = header.toLowerCase();
            switch (n) {
                case "date", "content-length", "transfer-encoding", "connection" -> { }
                case "x-ratelimit-reset", "ratelimit", "x-ratelimit-remaining", "retry-after" -> m.put(n, "(present)");
                case "x-request-id" -> m.put(n, UUID.matcher(String.join(",", values)).matches() ? "(new)" : values);
                case "etag" -> m.put(n, TAG.matcher(String.join(",", values)).replaceAll("\"$1#\""));
                default -> m.put(n, String.join(",", values));
            }
        });
        byte[] bytes = r.body();
        if (r.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            }
        }
        String body = new String(bytes, StandardCharsets.UTF_8).replace(Integer.toString(s.uri("/").getPort()), "PORT");
        body = UUID.matcher(body).replaceAll("<uuid>");
        m.put("body", INSTANT.matcher(body).replaceAll("<instant>"));
        return m;
    }

    /** An HTTP/1.1 answer read off a socket that the server closed after it. */
    private record RawAnswer(int statusCode, java.net.http.HttpHeaders headers, byte[] body, URI uri)
            implements HttpResponse<byte[]> {
        static RawAnswer parse(byte[] all, URI uri) {
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                h.computeIfAbsent(lines[i].substring(0, colon), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
            if (h.getOrDefault("Transfer-Encoding", List.of()).contains("chunked")) {
                body = dechunk(body);
            }
            return new RawAnswer(Integer.parseInt(lines[0].substring(9, 12)),
                    java.net.http.HttpHeaders.of(h, (a, b) -> true), body, uri);
        }

        private static byte[] dechunk(byte[] chunked) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int at = 0;
            while (true) {
                int eol = indexOf(chunked, at);
                int size = Integer.parseInt(new String(chunked, at, eol - at, StandardCharsets.ISO_8859_1).trim(), 16);
                if (size == 0) {
                    return out.toByteArray();
                }
                out.write(chunked, eol + 2, size);
                at = eol + 2 + size + 2;
            }
        }

        private static int indexOf(byte[] b, int from) {
            for (int i = from; i < b.length - 1; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            throw new IllegalStateException("no line end");
        }

        @Override
        public HttpRequest request() {
            return null;
        }

        @Override
        public java.util.Optional<HttpResponse<byte[]>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
