package com.levqor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.api.Json;
import com.levqor.app.Levqor;
import com.levqor.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code levqor cds-training DIR} (hidden; run by {@code make jar} through build/cds-archive.sh): a
 * short life of a server, so that {@code -XX:ArchiveClassesAtExit} records the classes a real start
 * and its first requests load. Starts {@code serve} on an embedded Postgres in {@code DIR} on a free
 * port, sends the requests an operator and an API client send first (health, metrics, an account and
 * key, a job and its status, the status page), stops gracefully and exits 0. The archive is written
 * by the JVM as it exits.
 */
@Command(name = "cds-training", hidden = true,
        description = "Start, serve a few requests and stop, for a class-data sharing archive (make jar).")
public final class CdsTrainingCommand extends EnvCommand implements Callable<Integer> {
    private static final String ADMIN_KEY = "cds-training-admin-key-0123456789";
    private static final ObjectMapper JSON = Json.newMapper();

    @Parameters(index = "0", description = "A folder for the embedded Postgres and the logs (created).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Map<String, String> trainingEnv = new HashMap<>();
        trainingEnv.put("PORT", "0");
        trainingEnv.put("HOST", "127.0.0.1");
        trainingEnv.put("LEVQOR_DATA_DIR", dir.resolve("data").toString());
        trainingEnv.put("LOG_DIR", dir.resolve("logs").toString());
        trainingEnv.put("BACKUP_DIR", dir.resolve("backups").toString());
        trainingEnv.put("ADMIN_KEY", ADMIN_KEY);
        trainingEnv.put("SHUTDOWN_DRAIN_MS", "0");
        Settings settings = Settings.parse(trainingEnv);
        try (Levqor levqor = Levqor.start(settings, Clock.systemUTC())) {
            String base = "http://127.0.0.1:" + levqor.port();
            for (String path : new String[] {"/ops/uptime", "/livez", "/readyz", "/metrics", "/ops/queue_health",
                    "/status", "/status.json", "/status/badge.svg", "/openapi.json"}) {
                call(base, "GET", path, null, null);
            }
            String account = call(base, "POST", "/ops/accounts", ADMIN_KEY,
                    "{\"email\":\"cds-training@example.com\",\"plan\":\"pro\"}");
            String key = field(call(base, "POST", "/ops/accounts/" + field(account, "account_id") + "/keys", ADMIN_KEY, "{}"),
                    "api_key");
            for (int i = 0; i < 20; i++) {
                String job = call(base, "POST", "/api/v1/intake", key,
                        "{\"workflow\":\"echo\",\"payload\":{\"n\":" + i + "}}");
                call(base, "GET", "/api/v1/status/" + field(job, "job_id"), key, null);
            }
            call(base, "GET", "/api/v1/jobs", key, null);
            call(base, "POST", "/api/v1/intake", key, "{\"workflow\":");
        }
        return 0;
    }

    private static String call(String base, String method, String path, String bearer, String body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        if (bearer != null) {
            c.setRequestProperty("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    /** A text field of a JSON answer. */
    private static String field(String json, String name) throws IOException {
        String value = JSON.readTree(json).path(name).asText(null);
        if (value == null) {
            throw new IllegalStateException("No " + name + " in " + json);
        }
        return value;
    }
}
