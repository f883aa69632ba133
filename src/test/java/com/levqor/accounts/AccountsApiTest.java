package com.levqor.accounts;

import static com.levqor.testing.TestServer.admin;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AccountsApiTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void createdAccountGetsAKeyShownOnceThatAuthenticates() {
        JsonNode created = server.createAccount("first@example.com", "pro");
        String key = created.get("api_key").asText();
        assertThat(key).matches("lvq_[0-9A-Za-z]{40}");
        assertThat(created.get("account_id").asText()).hasSize(36);
        assertThat(created.get("plan").asText()).isEqualTo("pro");

        Response me = server.get("/api/v1/account", bearer(key));
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("account_id").asText()).isEqualTo(created.get("account_id").asText());
        assertThat(me.json().get("plan").asText()).isEqualTo("pro");

        Response viaHeader = server.get("/api/v1/account", "X-Api-Key", key);
        assertThat(viaHeader.status()).isEqualTo(200);

        Response list = server.get("/ops/accounts", admin());
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains("first@example.com").doesNotContain(key);
    }

    @Test
    void unknownMissingAndRevokedKeysAnswer401() {
        Response missing = server.get("/api/v1/account");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().get("error").asText()).isEqualTo("missing_api_key");

        Response unknown = server.get("/api/v1/account", bearer("lvq_" + "x".repeat(40)));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.json().get("error").asText()).isEqualTo("invalid_api_key");
        assertThat(unknown.json().get("request_id").asText()).isNotBlank();

        JsonNode created = server.createAccount("revoke@example.com", "free");
        String key = created.get("api_key").asText();
        assertThat(server.get("/api/v1/account", bearer(key)).status()).isEqualTo(200);
        String prefix = created.get("key_prefix").asText();
        Response revoked = server.delete("/ops/keys/" + prefix, admin());
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().get("revoked_at").asText()).endsWith("Z");
        assertThat(server.get("/api/v1/account", bearer(key)).status()).isEqualTo(401);
        // Revoking again is harmless and keeps the first time.
        Response again = server.delete("/ops/keys/" + prefix, admin());
        assertThat(again.json().get("revoked_at").asText()).isEqualTo(revoked.json().get("revoked_at").asText());
    }

    @Test
    void severalKeysStayActiveForRotation() {
        JsonNode created = server.createAccount("rotate@example.com", "free");
        String id = created.get("account_id").asText();
        String oldKey = created.get("api_key").asText();
        Response added = server.post("/ops/accounts/" + id + "/keys", "", admin());
        assertThat(added.status()).isEqualTo(201);
        String newKey = added.json().get("api_key").asText();
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(server.get("/api/v1/account", bearer(oldKey)).status()).isEqualTo(200);
        assertThat(server.get("/api/v1/account", bearer(newKey)).status()).isEqualTo(200);
        server.delete("/ops/keys/" + created.get("key_prefix").asText(), admin());
        assertThat(server.get("/api/v1/account", bearer(oldKey)).status()).isEqualTo(401);
        assertThat(server.get("/api/v1/account", bearer(newKey)).status()).isEqualTo(200);
    }

    @Test
    void adminEndpointsRefuseWrongOrMissingAdminKey() {
        Response wrong = server.get("/ops/accounts", "Authorization", "Bearer not-the-admin-key");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("error").asText()).isEqualTo("invalid_admin_key");
        Response none = server.post("/ops/accounts", "{\"email\":\"x@example.com\"}");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("error").asText()).isEqualTo("missing_admin_key");
        // An API key is not an admin key.
        String key = server.createAccount("notadmin@example.com", "free").get("api_key").asText();
        assertThat(server.get("/ops/accounts", bearer(key)).status()).isEqualTo(401);
    }

    @Test
    void withoutAdminKeyConfiguredAdminEndpointsAnswer503SayingWhatToSet() {
        try (TestServer noAdmin = TestServer.start(java.util.Collections.singletonMap("ADMIN_KEY", null))) {
            Response r = noAdmin.get("/ops/accounts", admin());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().get("error").asText()).isEqualTo("admin_key_not_configured");
            assertThat(r.json().get("message").asText()).contains("ADMIN_KEY");
        }
    }

    @Test
    void invalidAccountRequestsNameEveryBadField() {
        Response r = server.post("/ops/accounts", "{\"email\":42,\"plan\":\"gold\",\"colour\":\"red\"}", admin());
        assertThat(r.status()).isEqualTo(400);
        JsonNode details = r.json().get("details");
        assertThat(details.has("email")).isTrue();
        assertThat(details.get("plan").asText()).contains("free, pro");
        assertThat(details.get("colour").asText()).contains("not a known field");

        Response noEmail = server.post("/ops/accounts", "{}", admin());
        assertThat(noEmail.status()).isEqualTo(400);
        assertThat(noEmail.json().get("details").get("email").asText()).isEqualTo("is required");

        Response badEmail = server.post("/ops/accounts", "{\"email\":\"no-at-sign\"}", admin());
        assertThat(badEmail.status()).isEqualTo(400);
        assertThat(badEmail.json().get("details").has("email")).isTrue();
    }

    @Test
    void badListLimitIs400NamingTheParameter() {
        for (String bad : new String[] {"0", "abc", "100000"}) {
            Response r = server.get("/ops/accounts?limit=" + bad, admin());
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("details").get("limit").asText()).contains("1 to 1000");
        }
        assertThat(server.get("/ops/accounts?limit=1", admin()).json().get("accounts").size()).isLessThanOrEqualTo(1);
    }

    @Test
    void duplicateEmailInAnyCaseIsAConflict() {
        server.createAccount("dup@example.com", "free");
        Response r = server.post("/ops/accounts", "{\"email\":\"DUP@example.com\"}", admin());
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("error").asText()).isEqualTo("account_exists");
    }

    @Test
    void unknownAccountOrKeyIsNotFound() {
        assertThat(server.post("/ops/accounts/00000000-0000-7000-8000-000000000000/keys", "", admin()).status())
                .isEqualTo(404);
        assertThat(server.post("/ops/accounts/not-a-uuid/keys", "", admin()).json().get("error").asText())
                .isEqualTo("account_not_found");
        Response r = server.delete("/ops/keys/lvq_NOPENOPE", admin());
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("key_not_found");
    }

    @Test
    void keysNeverReachTheLogs() throws Exception {
        String key = server.createAccount("logs@example.com", "free").get("api_key").asText();
        server.get("/api/v1/account", bearer(key));
        server.get("/api/v1/account", "X-Api-Key", key + "tampered");
        // app.log is buffered: the access lines arrive within a moment of the answers.
        String appLog = Await.value("both access lines in app.log", Duration.ofSeconds(10),
                () -> server.logText("app.log"),
                log -> log.contains("GET /api/v1/account 200") && log.contains("GET /api/v1/account 401"));
        assertThat(appLog).doesNotContain(key).doesNotContain(key.substring(12));
    }

    @Test
    void lastUsedTimeIsRecorded() {
        JsonNode created = server.createAccount("lastused@example.com", "free");
        server.get("/api/v1/account", bearer(created.get("api_key").asText()));
        JsonNode accounts = server.get("/ops/accounts", admin()).json().get("accounts");
        JsonNode mine = null;
        for (JsonNode a : accounts) {
            if (a.get("email").asText().equals("lastused@example.com")) {
                mine = a;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.get("keys").get(0).get("last_used_at").isNull()).isFalse();
        assertThat(mine.get("keys").get(0).get("revoked_at").isNull()).isTrue();
    }
}
