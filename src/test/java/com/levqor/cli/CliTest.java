package com.levqor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.CliRun;
import com.levqor.testing.TestPostgres;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command line as an operator uses it, in-process, against a real database. */
class CliTest {
    static Map<String, String> env;

    @BeforeAll
    static void database() {
        env = new HashMap<>();
        env.put("DATABASE_URL", TestPostgres.newDatabase());
        env.put("LOG_DIR", "target/tmp/cli-logs");
    }

    static CliRun run(Map<String, String> environment, String... args) {
        return CliRun.run(environment, args);
    }

    @Test
    void accountsAndKeysLifecycleThroughTheCli() {
        CliRun created = run(env, "accounts", "create", "--email", "cli@example.com", "--plan", "pro");
        assertThat(created.status()).as(created.err()).isZero();
        Matcher id = Pattern.compile("account_id: (\\S+)").matcher(created.out());
        assertThat(id.find()).isTrue();
        assertThat(created.out()).containsPattern("api_key: +lvq_[0-9A-Za-z]{40}");

        CliRun added = run(env, "keys", "create", "--account", id.group(1));
        assertThat(added.status()).as(added.err()).isZero();
        Matcher prefix = Pattern.compile("key_prefix: (lvq_\\w{8})").matcher(added.out());
        assertThat(prefix.find()).isTrue();

        CliRun listed = run(env, "accounts", "list");
        assertThat(listed.status()).isZero();
        assertThat(listed.out()).contains("cli@example.com").contains(prefix.group(1) + " (active)")
                .doesNotContainPattern("lvq_[0-9A-Za-z]{40}");

        CliRun revoked = run(env, "keys", "revoke", prefix.group(1));
        assertThat(revoked.status()).isZero();
        assertThat(run(env, "accounts", "list").out()).contains(prefix.group(1) + " (revoked");

        assertThat(run(env, "keys", "revoke", "lvq_NOSUCHKY").status()).isEqualTo(1);
        assertThat(run(env, "accounts", "create", "--email", "CLI@example.com").err()).contains("already exists");
        assertThat(run(env, "accounts", "create", "--email", "x@example.com", "--plan", "gold").status()).isEqualTo(2);
    }

    @Test
    void migrateIsIdempotent() {
        CliRun r = run(env, "migrate");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("Applied 0 migration(s)");
    }

    @Test
    void flagsShowEffectiveConfigurationWithSecretsMasked() {
        Map<String, String> e = new HashMap<>(env);
        e.put("ADMIN_KEY", "a-very-secret-admin-key");
        e.put("RATELIMIT_ENABLED", "false");
        CliRun r = run(e, "flags");
        assertThat(r.status()).isZero();
        assertThat(r.out()).containsPattern("RATELIMIT_ENABLED +false")
                .containsPattern("SECURITY_HEADERS_ENABLED +true")
                .containsPattern("PORT +5000 +\\(default\\)")
                .contains("ADMIN_KEY")
                .doesNotContain("a-very-secret-admin-key");
    }

    @Test
    void invalidConfigurationExitsWithStatus2BeforeOpeningAPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> e = new HashMap<>(env);
        e.put("PORT", Integer.toString(port));
        e.put("DB_POOL_SIZE", "-3");
        e.put("MAX_BODY_BYTES", "huge");
        CliRun r = run(e, "serve");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("DB_POOL_SIZE='-3'").contains("MAX_BODY_BYTES='huge'");
        assertThat(portOpen(port)).isFalse();
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void versionAndHelp() {
        CliRun v = run(env, "--version");
        assertThat(v.status()).isZero();
        assertThat(v.out()).startsWith("levqor ").doesNotContain("dev");
        CliRun h = run(env, "--help");
        assertThat(h.status()).isZero();
        assertThat(h.out()).contains("serve").contains("migrate").contains("accounts").contains("keys").contains("flags");
        assertThat(run(env, "no-such-command").status()).isEqualTo(2);
    }
}
