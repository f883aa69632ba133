package com.levqor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A SIGTERM that comes while {@code levqor serve} is still starting (an orchestrator that gives up
 * on a slow start, an operator's Ctrl-C): the start finishes, the drain and the graceful stop follow,
 * and the process exits 0. Without the signals taken over before the start, the JVM's default ended
 * it at once with status 143 and closed nothing.
 */
class SigtermDuringStartTest {

    @Test
    void aSigtermWhileStartingStopsTheProcessCleanlyOnceStarted() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp").toAbsolutePath()),
                "sigterm-start-");
        Map<String, String> env = TestServer.baseEnv(TestPostgres.newDatabase(), dir.resolve("logs"));
        env.put("PORT", Integer.toString(freePort()));
        env.put("SHUTDOWN_DRAIN_MS", "200");
        Path output = dir.resolve("serve.out");
        Process serve = ServeProcesses.serve(env, output).start();
        try {
            // The database thread logs this line while the main thread still builds the parts, before the HTTP
            // server starts: the signal comes in the middle of the start.
            Await.until("the database opened", Duration.ofSeconds(60), () -> read(output).contains("Database: "));
            serve.destroy(); // SIGTERM
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("stopped within a minute").isTrue();
        } finally {
            serve.destroyForcibly();
        }
        String text = read(output);
        assertThat(serve.exitValue()).as("exit status; output:%n%s", text).isZero();
        assertThat(text.indexOf("Received SIGTERM")).as("the signal came during the start:%n%s", text)
                .isPositive()
                .isLessThan(text.indexOf("serve started in"));
        assertThat(text).contains("Draining for 200 ms").contains("Levqor stopped");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
