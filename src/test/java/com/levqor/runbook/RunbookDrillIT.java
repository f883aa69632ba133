package com.levqor.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.levqor.testing.FakeResend;
import com.levqor.testing.FakeStripe;
import com.levqor.testing.TestRedis;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code make drill}: runs every drill block of runbook/RUNBOOK.md, in order, against a live
 * {@code levqor.jar serve} (embedded Postgres, a real redis-server, fakes of Stripe and Resend) and
 * fails naming each block that does not do what the runbook says. Runs after {@code package}
 * (Maven's integration-test phase) because it needs the jar.
 */
class RunbookDrillIT {
    static final String ADMIN_KEY = "drill-admin-key-0123456789";
    private static final Path RUNBOOK = Path.of("runbook", "RUNBOOK.md");
    private static final Path JAR = Path.of("target", "levqor.jar");

    @Test
    void everyDrillBlockOfTheRunbookDoesWhatItSays() throws Exception {
        assertThat(JAR).as("the drill runs the packaged jar: mvn package first").exists();
        for (String tool : List.of("bash", "curl", "jq")) {
            assertThat(onPath(tool)).as("the drill needs %s on PATH (make drill installs jq when it can)", tool)
                    .isTrue();
        }
        List<RunbookBlock> blocks = Runbook.parse(Files.readAllLines(RUNBOOK));
        assertThat(blocks).as("drill blocks in %s", RUNBOOK).isNotEmpty();

        Path run = Path.of("target", "drill", Instant.now().toString().replace(':', '-')).toAbsolutePath();
        Path home = run.resolve("home");
        Files.createDirectories(home);
        int port = freePort();
        Files.writeString(home.resolve(".curlrc"),
                "# the runbook's localhost:5000 is the drill's server\nconnect-to = localhost:5000:127.0.0.1:" + port + "\n");

        try (TestRedis redis = TestRedis.start(); FakeStripe stripe = new FakeStripe(); FakeResend resend = new FakeResend();
             DrillServer server = new DrillServer(JAR.toAbsolutePath(), home, run, port)) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", Path.of(DrillServer.javaBinary()).getParent() + ":" + System.getenv("PATH"));
            env.put("HOME", home.toString());
            env.put("LANG", "C.UTF-8");
            env.put("TZ", "UTC");
            // small heaps and quick start-up for the many short JVMs of the CLI
            env.put("JAVA_TOOL_OPTIONS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
            env.put("LEVQOR_JAR", JAR.toAbsolutePath().toString());
            env.put("HOST", "127.0.0.1");
            env.put("PORT", Integer.toString(port));
            env.put("ADMIN_KEY", ADMIN_KEY);
            env.put("REDIS_URL", redis.url());
            env.put("SHUTDOWN_GRACE_MS", "2000");
            env.put("SHUTDOWN_DRAIN_MS", "0"); // restarts without a load balancer to wait for
            env.put("STRIPE_SECRET_KEY", "sk_test_drill");
            env.put("STRIPE_API_BASE", stripe.url());
            env.put("STRIPE_WEBHOOK_SECRET", "whsec_drill");
            env.put("RESEND_API_KEY", "re_drill");
            env.put("RESEND_API_URL", resend.url());
            env.put("EMAIL_FROM", "Levqor <ops@example.com>");
            env.put("ADMIN_EMAIL", "ops@example.com");
            env.put("ALERT_ON_DLQ", "true");

            DrillShell shell = new DrillShell(run.resolve("shell"), home, env);
            server.start(env);
            List<RunbookDrill.Failure> failures = new RunbookDrill(RUNBOOK.toString(), shell, server).run(blocks);

            if (!failures.isEmpty()) {
                fail("%d of %d drill blocks failed (shell and server output in %s):%n%s", failures.size(),
                        blocks.size(), run, failures.stream().map(RunbookDrill.Failure::report)
                                .collect(Collectors.joining("\n")));
            }
        }
    }

    private static boolean onPath(String tool) throws IOException, InterruptedException {
        return new ProcessBuilder("bash", "-c", "command -v " + tool).start().waitFor() == 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
