package com.levqor.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.Main;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import com.levqor.api.Json;
import com.levqor.testing.Await;
import com.levqor.testing.FakeResend;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of a real {@code levqor serve} while it sends an email, then a restart: every email is
 * delivered once (the fake counts deliveries by Idempotency-Key, as Resend does), none is lost.
 */
class EmailCrashTest {

    @Test
    void killedMidSendThenRestartedEachEmailIsDeliveredOnce() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp").toAbsolutePath(), "email-crash-");
        String jdbcUrl = TestPostgres.newDatabase();
        try (FakeResend resend = new FakeResend()) {
            Map<String, String> env = new HashMap<>(TestServer.baseEnv(jdbcUrl, dir.resolve("logs")));
            env.put("PORT", Integer.toString(freePort()));
            env.put("RESEND_API_KEY", "re_test_0123456789");
            env.put("EMAIL_FROM", "billing@example.com");
            env.put("RESEND_API_URL", resend.url());
            env.put("EMAIL_POLL_MS", "50");
            env.put("EMAIL_SEND_TIMEOUT_MS", "120000"); // the held request must outlive the kill

            List<String> queued = new ArrayList<>();
            try (Database db = Database.open(Settings.parse(env).database(), null)) {
                Outbox outbox = new Outbox(db.dsl(), Clock.systemUTC(), Json.newMapper());
                for (int i = 0; i < 5; i++) {
                    String to = "crash" + i + "@example.com";
                    outbox.queue(Email.of(Templates.PAYMENT_FAILED, to, Map.of("plan_name", "Pro")));
                    queued.add(to);
                }
            }

            // Resend receives (and delivers) the first email, but its answer never reaches the sender.
            resend.holdAnswers();
            Process first = serve(env, dir.resolve("serve-1.out").toFile());
            try {
                Await.until("the first email in flight", Duration.ofSeconds(60), () -> resend.requests().size() == 1);
            } finally {
                first.destroyForcibly(); // SIGKILL: no shutdown hook runs
                assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            resend.release();
            assertThat(resend.deliveredKeys()).hasSize(1);

            Process second = serve(env, dir.resolve("serve-2.out").toFile());
            try {
                Await.until("every email delivered", Duration.ofSeconds(60), () -> resend.delivered().size() == 5);
                Await.until("the outbox empty", Duration.ofSeconds(30), () -> cli(env, "emails", "list", "--status",
                        "queued").contains("queued: 0,"));
            } finally {
                second.destroy();
                assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(resend.deliveriesByKey()).hasSize(5).allSatisfy((key, n) -> assertThat(n).isEqualTo(1));
            assertThat(resend.delivered().stream().map(b -> b.path("to").path(0).asText()).toList())
                    .containsExactlyElementsOf(queued);
            // The email in flight at the kill was sent again after the restart, with the same key.
            String firstKey = resend.deliveredKeys().get(0);
            assertThat(resend.requests().stream().filter(r -> firstKey.equals(r.idempotencyKey())).count()).isEqualTo(2);
            String sent = cli(env, "emails", "list", "--status", "sent");
            assertThat(sent).contains("5 shown").contains(firstKey);
        }
    }

    private static Process serve(Map<String, String> env, File out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve");
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(out);
        return pb.start();
    }

    private static String cli(Map<String, String> env, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int status = Main.run(env, args);
            assertThat(status).isZero();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
