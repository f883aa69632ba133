package com.levqor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * HTTP to one chaos process. A failure to get a whole answer is not an exception but an answer of
 * status {@value #NO_ANSWER} ("refused" or "cut" in its body), so a scenario can count it.
 */
public final class ChaosHttp {
    public static final int NO_ANSWER = 0;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    public ChaosHttp(int port) {
        this.port = port;
    }

    /** An answer; {@code millis} is how long it took, from sending to the whole body. */
    public record Answer(int status, HttpHeaders headers, String body, long millis) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                return JSON.createObjectNode();
            }
        }

        public String header(String name) {
            return headers == null ? null : headers.firstValue(name).orElse(null);
        }

        /** The answer's error code, the kind of failure for no answer, or "" for a success. */
        public String errorCode() {
            if (status == NO_ANSWER) {
                return body.startsWith("refused") ? "refused" : "cut";
            }
            return status >= 400 ? json().path("error").asText("") : "";
        }
    }

    public Answer get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    public Answer post(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    private Answer send(HttpRequest.Builder b) {
        long started = System.nanoTime();
        try {
            HttpResponse<String> r = CLIENT.send(b.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers(), r.body(), (System.nanoTime() - started) / 1_000_000);
        } catch (java.net.ConnectException e) {
            return new Answer(NO_ANSWER, null, "refused " + e, (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(NO_ANSWER, null, "cut " + e, (System.nanoTime() - started) / 1_000_000);
        } catch (Exception e) {
            return new Answer(NO_ANSWER, null, "cut " + e, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** Creates an account through the admin API; its API key. */
    public String createAccount(String email) {
        Answer a = post("/ops/accounts", "{\"email\":\"" + email + "\",\"plan\":\"pro\"}",
                "Authorization", "Bearer " + com.levqor.testing.TestServer.ADMIN_KEY);
        if (a.status() != 201) {
            throw new AssertionError("account not created: " + a.status() + " " + a.body());
        }
        return a.json().get("api_key").asText();
    }
}
