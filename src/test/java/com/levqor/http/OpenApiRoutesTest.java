package com.levqor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API document against the route table the running server registered ({@link Api#routes()}):
 * a route missing from the document, or documented but not served, fails; so does an operation
 * whose security requirement does not match who may call the route.
 */
class OpenApiRoutesTest {
    static TestServer server;
    static ApiContract contract;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        contract = ApiContract.load();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Set<String> served() {
        Set<String> out = new TreeSet<>();
        server.app().routes().forEach(r -> out.add(r.method() + " " + r.path()));
        return out;
    }

    @Test
    void everyServedRouteIsDocumentedAndNothingElse() {
        Set<String> served = served();
        assertThat(served).as("the route table as registered").contains("GET /openapi.json", "POST /api/v1/intake");
        Set<String> missing = new TreeSet<>(served);
        missing.removeAll(contract.operations());
        Set<String> notServed = new TreeSet<>(contract.operations());
        notServed.removeAll(served);
        assertThat(missing).as("routes the server serves that openapi.json does not document").isEmpty();
        assertThat(notServed).as("operations openapi.json documents that the server does not serve").isEmpty();
        assertThat(server.app().routes()).as("each route registered once").doesNotHaveDuplicates();
    }

    @Test
    void theDirectIntakeRouteIsARouteOfTheTable() {
        assertThat(server.app().directRoutes()).isNotEmpty();
        for (DirectRoute d : server.app().directRoutes()) {
            String route = d.method() + " " + d.path();
            assertThat(served()).as("the direct route %s is also in the route table", route).contains(route);
            assertThat(contract.operations()).as("the direct route %s is documented", route).contains(route);
        }
    }

    @Test
    void theStatusRoutesServedOnTheSelectorAreRoutesOfTheTable() {
        assertThat(server.app().statusRoutes()).isPresent();
        for (String path : StatusRoutes.paths()) {
            assertThat(served()).as("the selector's status route GET %s is also in the route table", path)
                    .contains("GET " + path);
        }
    }

    @Test
    void eachOperationsSecurityMatchesWhoMayCallTheRoute() {
        List<String> wrong = new ArrayList<>();
        for (RouteTable.Route r : server.app().routes()) {
            JsonNode op = contract.operation(r.method(), r.path());
            if (op == null) {
                continue; // reported by everyServedRouteIsDocumentedAndNothingElse
            }
            Set<String> expected = switch (r.access()) {
                case PUBLIC -> Set.of();
                case API_KEY -> Set.of("apiKeyBearer", "apiKeyHeader");
                case ADMIN -> Set.of("adminBearer");
            };
            JsonNode security = op.get("security");
            Set<String> schemes = new TreeSet<>();
            boolean oneSchemePerAlternative = security != null && security.isArray();
            if (security != null) {
                for (JsonNode alternative : security) {
                    oneSchemePerAlternative &= alternative.size() == 1;
                    alternative.fieldNames().forEachRemaining(schemes::add);
                }
            }
            if (!oneSchemePerAlternative || !schemes.equals(expected)) {
                wrong.add(r.method() + " " + r.path() + " is " + r.access() + " but documents security " + security);
            }
            boolean documents401 = op.path("responses").has("401");
            if (r.access() != Access.PUBLIC && !documents401) {
                wrong.add(r.method() + " " + r.path() + " needs a key but documents no 401");
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(contract.document().path("components").path("securitySchemes").path("adminBearer").path("scheme")
                .asText()).isEqualTo("bearer");
        assertThat(contract.document().path("components").path("securitySchemes").path("apiKeyHeader").path("name")
                .asText()).isEqualTo("X-Api-Key");
    }

    @Test
    void servesTheDocumentOfTheJarWithCachingHeaders() {
        Response r = server.get("/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).isEqualTo(contract.text());
        assertThat(r.header("Cache-Control")).isEqualTo("public, max-age=300");
        String etag = r.header("ETag");
        assertThat(etag).matches("\"[0-9a-f]{16}\"");

        Response again = server.get("/openapi.json", "If-None-Match", etag);
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("ETag")).isEqualTo(etag);

        assertThat(server.get("/openapi.json", "If-None-Match", "\"stale\"").status()).isEqualTo(200);
    }
}
