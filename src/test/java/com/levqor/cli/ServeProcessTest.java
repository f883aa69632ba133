package com.levqor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.Main;
import com.levqor.testing.TestServer;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code levqor serve} as its own process, the way {@code make run} starts it: embedded Postgres in
 * a data folder, a CLI command beside it on the same folder, and a clean stop on SIGTERM.
 */
class ServeProcessTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void serveStopsCleanlyOnSigtermAndACliCommandAttachesToItsEmbeddedPostgres() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target", "tmp").toAbsolutePath(), "serve-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>();
        env.put("PORT", Integer.toString(port));
        env.put("HOST", "127.0.0.1");
        env.put("LEVQOR_DATA_DIR", data.resolve("data").toString());
        env.put("LOG_DIR", data.resolve("logs").toString());
        env.put("ADMIN_KEY", TestServer.ADMIN_KEY);
        env.put("BACKUPS_ENABLED", "false");

        File log = data.resolve("serve.out").toFile();
        Process serve = ServeProcesses.serve(env, log.toPath()).start();
        try {
            waitForUptime(port, Duration.ofSeconds(60));

            // A CLI command on the same data folder uses the running embedded Postgres.
            Map<String, String> cliEnv = new HashMap<>(env);
            cliEnv.remove("PORT");
            assertThat(Main.run(cliEnv, "accounts", "create", "--email", "beside@example.com")).isZero();
            HttpResponse<String> accounts = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/ops/accounts"))
                    .header("Authorization", "Bearer " + TestServer.ADMIN_KEY).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accounts.body()).contains("beside@example.com");
            assertThat(data.resolve("data/postmaster.pid")).exists();
        } finally {
            serve.destroy(); // SIGTERM
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("stopped within a minute").isTrue();
        }
        String out = Files.readString(log.toPath());
        assertThat(out).contains("Levqor stopping").contains("Levqor stopped").contains("Embedded Postgres in");
        assertThat(out).doesNotContain("Exception");
        assertThat(data.resolve("data/postmaster.pid")).as("Postgres stopped cleanly").doesNotExist();
        // app.log is buffered: the stop writes out its last lines before the process ends.
        assertThat(Files.readString(data.resolve("logs/app.log"))).contains("GET /ops/uptime 200")
                .contains("Levqor stopped");
    }

    private void waitForUptime(int port, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/ops/uptime")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"operational\"")) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("levqor serve did not answer /ops/uptime within " + max);
    }
}
