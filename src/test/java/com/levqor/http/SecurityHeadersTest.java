package com.levqor.http;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.http.Access;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SecurityHeadersTest {
    static TestServer on;
    static TestServer off;

    @BeforeAll
    static void start() {
        on = TestServer.start(Map.of("CORS_ALLOWED_ORIGINS", "https://app.example.com"),
                List.of(r -> r.get("/test-page", ctx -> ctx.html("<p>status</p>"), Access.PUBLIC)));
        off = TestServer.start(Map.of("SECURITY_HEADERS_ENABLED", "false",
                "CORS_ALLOWED_ORIGINS", "https://app.example.com"));
    }

    @AfterAll
    static void stop() {
        on.close();
        off.close();
    }

    private static void assertOwaspHeaders(Response r) {
        assertThat(r.header("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("Content-Security-Policy")).isEqualTo("default-src 'none'; frame-ancestors 'none'");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
        assertThat(r.header("Cross-Origin-Resource-Policy")).isEqualTo("same-origin");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("Server")).isNull();
        assertThat(r.header("X-Request-Id")).isNotBlank();
    }

    @Test
    void theStatusBadgeMayBeEmbeddedByOtherSitesAndNothingElse() {
        Response badge = on.get("/status/badge.svg");
        assertThat(badge.status()).isEqualTo(200);
        assertThat(badge.header("Content-Type")).startsWith("image/svg+xml");
        assertThat(badge.header("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
        assertThat(badge.headers().allValues("Cross-Origin-Resource-Policy")).hasSize(1);
        assertThat(badge.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(badge.header("Content-Security-Policy")).isEqualTo("default-src 'none'; frame-ancestors 'none'");
        assertThat(badge.header("Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
        // A revalidation answers 304 with the same policy.
        Response again = on.get("/status/badge.svg", "If-None-Match", badge.header("ETag"));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.header("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
        for (String path : List.of("/status", "/status.json", "/status/history.atom", "/api/v1/status")) {
            assertThat(on.get(path).header("Cross-Origin-Resource-Policy")).as(path).isEqualTo("same-origin");
        }
    }

    @Test
    void everyAnswerCarriesTheOwaspHeadersErrorsIncluded() {
        assertOwaspHeaders(on.get("/api/v1/status"));
        Response notFound = on.get("/no/such/route");
        assertThat(notFound.status()).isEqualTo(404);
        assertOwaspHeaders(notFound);
        Response unauthorized = on.get("/api/v1/account", bearer("lvq_" + "y".repeat(40)));
        assertThat(unauthorized.status()).isEqualTo(401);
        assertOwaspHeaders(unauthorized);
        Response malformed = on.post("/ops/accounts", "{not json", TestServer.admin());
        assertThat(malformed.status()).isEqualTo(400);
        assertOwaspHeaders(malformed);
        Response tooLarge = on.post("/ops/accounts", "{\"email\":\"" + "a".repeat(600 * 1024) + "\"}",
                TestServer.admin());
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.json().get("error").asText()).isEqualTo("payload_too_large");
        assertOwaspHeaders(tooLarge);
    }

    @Test
    void requestsJettyRefusesItselfCarryTheHeadersToo() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", on.uri("/").getPort())) {
            socket.getOutputStream().write(("GET /api/v1/status HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                    + "a".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 431");
            assertThat(answer).contains("X-Content-Type-Options: nosniff").contains("\"error\":\"http_431\"");
            // The one header list: Jetty's own answers used to miss this one.
            assertThat(answer).contains("X-Permitted-Cross-Domain-Policies: none").contains("Cache-Control: no-store");
        }
    }

    @Test
    void htmlPagesGetASelfPolicy() {
        Response page = on.get("/test-page");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).startsWith("default-src 'self'")
                .contains("frame-ancestors 'none'");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
    }

    @Test
    void withTheFlagOffNoSecurityHeadersAreAdded() {
        Response r = off.get("/api/v1/status");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Strict-Transport-Security")).isNull();
        assertThat(r.header("Content-Security-Policy")).isNull();
        assertThat(r.header("X-Frame-Options")).isNull();
        assertThat(r.header("Server")).isNull();
        assertThat(off.get("/no/such/route").header("X-Content-Type-Options")).isNull();
    }

    @Test
    void corsAnswersOnlyListedOrigins() {
        for (TestServer s : new TestServer[] {on, off}) {
            Response listed = s.get("/api/v1/status", "Origin", "https://app.example.com");
            assertThat(listed.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
            assertThat(listed.header("Vary")).isEqualTo("Origin");
            Response other = s.get("/api/v1/status", "Origin", "https://evil.example.net");
            assertThat(other.status()).isEqualTo(200);
            assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        }
        Response preflight = on.send(HttpRequest.newBuilder(on.uri("/api/v1/account"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization"));
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization");
        Response refused = on.send(HttpRequest.newBuilder(on.uri("/api/v1/account"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example.net")
                .header("Access-Control-Request-Method", "GET"));
        assertThat(refused.status()).isNotEqualTo(204);
        assertThat(refused.header("Access-Control-Allow-Origin")).isNull();
    }
}
