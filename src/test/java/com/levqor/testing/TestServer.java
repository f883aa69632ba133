package com.levqor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import io.javalin.config.RoutesConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A whole Levqor server in the test JVM, on a free port, against a fresh database of
 * {@link TestPostgres}, with an HTTP client to talk to it as a user would.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_KEY = "test-admin-key-0123456789";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Levqor app;
    private final String jdbcUrl;
    private final Path logDir;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(Levqor app, String jdbcUrl, Path logDir) {
        this.app = app;
        this.jdbcUrl = jdbcUrl;
        this.logDir = logDir;
    }

    /** Environment every test server starts from; {@code extra} overrides or adds. */
    public static Map<String, String> baseEnv(String jdbcUrl, Path logDir) {
        Map<String, String> env = new HashMap<>();
        env.put("PORT", "0");
        env.put("HOST", "127.0.0.1");
        env.put("DATABASE_URL", jdbcUrl);
        env.put("DB_POOL_SIZE", "8");
        env.put("ADMIN_KEY", ADMIN_KEY);
        env.put("LOG_DIR", logDir.toString());
        env.put("SHUTDOWN_GRACE_MS", "2000");
        // No drain when a test stops a serve process with SIGTERM (DrainProcessTest is about it).
        env.put("SHUTDOWN_DRAIN_MS", "0");
        // Edge guards: generous limits so tests not about them never meet them (their own tests set real ones).
        env.put("RATELIMIT_IP_PER_MINUTE", "1000000");
        env.put("RATELIMIT_FREE_PER_MINUTE", "1000000");
        env.put("RATELIMIT_PRO_PER_MINUTE", "1000000");
        env.put("ABUSE_FAILED_AUTH_LIMIT", "1000000");
        // No scheduled backups (a catch-up backup at start) unless a test is about them.
        env.put("BACKUPS_ENABLED", "false");
        return env;
    }

    public static TestServer start() {
        return start(Map.of(), List.of());
    }

    public static TestServer start(Map<String, String> extraEnv) {
        return start(extraEnv, List.of());
    }

    public static TestServer start(Map<String, String> extraEnv, List<Consumer<RoutesConfig>> extraRoutes) {
        return start(extraEnv, extraRoutes, Clock.systemUTC(), true);
    }

    /** A server whose injected clock is {@code clock} (e.g. a {@link MutableClock} the test moves). */
    public static TestServer start(Map<String, String> extraEnv, Clock clock) {
        return start(extraEnv, List.of(), clock, true);
    }

    /**
     * A server without the direct routes: Javalin serves every request, also those a direct route
     * would serve (tests compare the two HTTP paths request by request).
     */
    public static TestServer startJavalinOnly(Map<String, String> extraEnv) {
        return start(extraEnv, List.of(), Clock.systemUTC(), false);
    }

    /** As {@link #startJavalinOnly(Map)}, with an injected clock (two servers rendering the same instant). */
    public static TestServer startJavalinOnly(Map<String, String> extraEnv, Clock clock) {
        return start(extraEnv, List.of(), clock, false);
    }

    private static TestServer start(Map<String, String> extraEnv, List<Consumer<RoutesConfig>> extraRoutes, Clock clock,
                                    boolean directRoutes) {
        try {
            String jdbcUrl = TestPostgres.newDatabase();
            Path logDir = Files.createDirectories(Path.of("target", "tmp", "logs-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()));
            Map<String, String> env = baseEnv(jdbcUrl, logDir);
            extraEnv.forEach((k, v) -> {
                if (v == null) {
                    env.remove(k);
                } else {
                    env.put(k, v);
                }
            });
            Levqor app = Levqor.start(Settings.parse(env), clock, extraRoutes, directRoutes);
            return new TestServer(app, jdbcUrl, logDir);
        } catch (Exception e) {
            throw new IllegalStateException("Test server did not start: " + e.getMessage(), e);
        }
    }

    public Levqor app() {
        return app;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public Path logDir() {
        return logDir;
    }

    /** The text of {@code name} in the log folder so far, empty before it exists (poll it with {@link Await}). */
    public String logText(String name) {
        try {
            return Files.readString(logDir.resolve(name));
        } catch (NoSuchFileException notYet) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + app.port() + path);
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (Exception e) {
            throw new IllegalStateException("HTTP request failed: " + e, e);
        }
    }

    public Response get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    public Response post(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    public Response delete(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).DELETE();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    /** The header pair of the admin key. */
    public static String[] admin() {
        return new String[] {"Authorization", "Bearer " + ADMIN_KEY};
    }

    /** The header pair of an API key. */
    public static String[] bearer(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    /** The bearer header of {@code key} followed by more header names and values. */
    public static String[] bearer(String key, String... more) {
        String[] all = new String[more.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + key;
        System.arraycopy(more, 0, all, 2, more.length);
        return all;
    }

    /** Creates an account through the admin API; returns the answer (account_id, api_key…). */
    public JsonNode createAccount(String email, String plan) {
        Response r = post("/ops/accounts", "{\"email\":\"" + email + "\",\"plan\":\"" + plan + "\"}", admin());
        if (r.status() != 201) {
            throw new IllegalStateException("account not created: " + r);
        }
        return r.json();
    }

    @Override
    public void close() {
        app.close();
    }
}
