package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import com.levqor.http.Access;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import io.javalin.config.RoutesConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The embedded default of {@code make run}: its own Postgres in a data folder that survives a
 * restart, an uptime probe that reports it down when it stops, and a graceful stop.
 */
class EmbeddedLifecycleTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private static Map<String, String> env(Path dataDir) {
        Map<String, String> env = new HashMap<>();
        env.put("PORT", "0");
        env.put("HOST", "127.0.0.1");
        env.put("LEVQOR_DATA_DIR", dataDir.toString());
        env.put("ADMIN_KEY", TestServer.ADMIN_KEY);
        env.put("LOG_DIR", dataDir.resolveSibling(dataDir.getFileName() + "-logs").toString());
        env.put("DB_CONNECT_TIMEOUT_MS", "1000");
        env.put("SHUTDOWN_GRACE_MS", "5000");
        env.put("BACKUPS_ENABLED", "false");
        return env;
    }

    private Response call(String method, int port, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.headers(), r.body());
    }

    @Test
    void rowsSurviveARestartAndUptimeReportsTheDatabaseDown() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target", "tmp"), "embedded-");
        try (Levqor first = Levqor.start(Settings.parse(env(data)), Clock.systemUTC())) {
            // The embedded database keeps real data: durable commits, not the test library's defaults.
            first.database().dsl().fetch("select name, setting from pg_settings where name in "
                    + "('fsync', 'synchronous_commit', 'full_page_writes')").forEach(r ->
                    assertThat(r.get(1, String.class)).as(r.get(0, String.class)).isEqualTo("on"));
            Response created = call("POST", first.port(), "/ops/accounts", "{\"email\":\"persist@example.com\"}");
            assertThat(created.status()).isEqualTo(201);
        }
        assertThat(data.resolve("postmaster.pid")).doesNotExist();

        try (Levqor second = Levqor.start(Settings.parse(env(data)), Clock.systemUTC())) {
            assertThat(call("GET", second.port(), "/ops/accounts", null).body()).contains("persist@example.com");
            assertThat(call("GET", second.port(), "/ops/uptime", null).json().get("status").asText())
                    .isEqualTo("operational");

            second.database().embedded().close(); // Postgres stops under the running server

            long start = System.nanoTime();
            Response down = call("GET", second.port(), "/ops/uptime", null);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.json().get("status").asText()).isEqualTo("down");
            assertThat(down.json().get("services").get("database").asText()).isEqualTo("down");
            assertThat(down.json().get("services").get("api").asText()).isEqualTo("operational");
            // Bounded: the probe does not wait for the pool's full connection timeout and more.
            assertThat(ms).isLessThan(10_000);
            assertThat(call("GET", second.port(), "/metrics", null).body()).contains("levqor_db_up 0.0");
            // Other requests fail cleanly as JSON too.
            Response list = call("GET", second.port(), "/ops/accounts", null);
            assertThat(list.status()).as(list.body()).isEqualTo(503);
            assertThat(list.json().get("error").asText()).isEqualTo("database_unavailable");
            assertThat(list.header("Retry-After")).isEqualTo("5");
            assertThat(list.json().get("request_id").asText()).isNotBlank();
        }
    }

    @Test
    void stopLetsInFlightRequestsFinishAndRefusesNewOnes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        Consumer<RoutesConfig> slow = r -> r.get("/test/slow", ctx -> {
            entered.countDown();
            Thread.sleep(1_500);
            ctx.result("finished");
        }, Access.PUBLIC);
        Map<String, String> env = TestServer.baseEnv(com.levqor.testing.TestPostgres.newDatabase(),
                Files.createTempDirectory(Path.of("target", "tmp"), "graceful-logs-"));
        Levqor app = Levqor.start(Settings.parse(env), Clock.systemUTC(), List.of(slow));
        int port = app.port();
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/test/slow")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(app::close);
        HttpResponse<String> r = inFlight.get(20, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("finished");
        stopping.get(20, TimeUnit.SECONDS);
        assertThat(catchConnect(port)).isTrue();
    }

    private boolean catchConnect(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
