package com.levqor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Resend's {@code POST /emails} as a local HTTP server: records every request, delivers an email
 * the first time it sees its {@code Idempotency-Key} and answers later requests with the same key
 * with the first answer (as Resend does), and can be told to fail: a status for the next requests,
 * a {@code Retry-After}, or to hold requests without answering (a process killed mid-send).
 */
public final class FakeResend implements AutoCloseable {
    /** One request as received. */
    public record Request(long atMillis, String idempotencyKey, String authorization, JsonNode body) {
    }

    /** How the next request is answered. */
    public record Answer(int status, String body, String retryAfter) {
        public static Answer fail(int status) {
            return new Answer(status, "{\"statusCode\":" + status + ",\"name\":\"internal_server_error\","
                    + "\"message\":\"fake failure\"}", null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-http");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new ArrayList<>();
    /** Delivered emails by idempotency key, in delivery order. */
    private final Map<String, JsonNode> delivered = new LinkedHashMap<>();
    private final Map<String, Integer> deliveries = new LinkedHashMap<>();
    private final List<Answer> scripted = new ArrayList<>();
    private Answer always;
    private volatile CountDownLatch hold;

    public FakeResend() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(threads);
        server.createContext("/emails", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next requests are answered with these, in order, then normally again. */
    public synchronized FakeResend then(Answer... answers) {
        scripted.addAll(List.of(answers));
        return this;
    }

    /** Every request is answered with this until {@link #recover()}. */
    public synchronized FakeResend failAlways(Answer answer) {
        always = answer;
        return this;
    }

    public synchronized FakeResend recover() {
        always = null;
        scripted.clear();
        return this;
    }

    /** Requests are received (and delivered) but not answered until {@link #release()}. */
    public FakeResend holdAnswers() {
        hold = new CountDownLatch(1);
        return this;
    }

    public void release() {
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Delivered emails (their request bodies) in delivery order, each once. */
    public synchronized List<JsonNode> delivered() {
        return List.copyOf(delivered.values());
    }

    /** Idempotency keys in delivery order. */
    public synchronized List<String> deliveredKeys() {
        return List.copyOf(delivered.keySet());
    }

    /** How many times each key was delivered (Resend delivers once per key; this counts what it would have). */
    public synchronized Map<String, Integer> deliveriesByKey() {
        return Map.copyOf(deliveries);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        JsonNode body = JSON.readTree(raw.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : raw);
        Answer answer;
        synchronized (this) {
            requests.add(new Request(System.currentTimeMillis(), key, ex.getRequestHeaders().getFirst("Authorization"),
                    body));
            answer = always != null ? always : scripted.isEmpty() ? null : scripted.remove(0);
            if (answer == null) {
                if (key == null || !delivered.containsKey(key)) {
                    delivered.put(key == null ? "no-key-" + requests.size() : key, body);
                    deliveries.merge(key == null ? "no-key-" + requests.size() : key, 1, Integer::sum);
                }
                answer = new Answer(200, "{\"id\":\"re_" + (key == null ? requests.size() : key) + "\"}", null);
            }
        }
        CountDownLatch h = hold;
        if (h != null) {
            try {
                h.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (answer.retryAfter() != null) {
            ex.getResponseHeaders().add("Retry-After", answer.retryAfter());
        }
        try {
            ex.sendResponseHeaders(answer.status(), out.length);
            ex.getResponseBody().write(out);
        } catch (IOException clientGone) {
            // the client was killed while we held the answer
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
