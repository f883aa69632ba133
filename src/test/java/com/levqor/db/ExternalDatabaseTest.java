package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Response;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Both forms of DATABASE_URL and the libpq variables reach a real external server. */
class ExternalDatabaseTest {

    private static String dbName(String jdbcUrl) {
        return jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).split("\\?")[0];
    }

    private static void assertServes(Map<String, String> env) {
        try (TestServer s = TestServer.start(env)) {
            Response r = s.get("/ops/uptime");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("services").get("database").asText()).isEqualTo("operational");
            assertThat(s.app().database().embedded()).isNull();
            s.createAccount("external@example.com", "free");
        }
    }

    @Test
    void postgresSchemeUrlConnects() {
        String name = dbName(TestPostgres.newDatabase());
        assertServes(Map.of("DATABASE_URL", "postgres://postgres@127.0.0.1:" + TestPostgres.port() + "/" + name));
    }

    @Test
    void libpqVariablesConnect() {
        String name = dbName(TestPostgres.newDatabase());
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", null);
        env.put("PGHOST", "127.0.0.1");
        env.put("PGPORT", Integer.toString(TestPostgres.port()));
        env.put("PGUSER", "postgres");
        env.put("PGDATABASE", name);
        assertServes(env);
    }
}
