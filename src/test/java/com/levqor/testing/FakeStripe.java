package com.levqor.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part of Stripe's API Levqor calls, as a local HTTP server: Checkout and Billing Portal
 * sessions (answering a repeated Idempotency-Key with the first answer), events and subscriptions
 * by id (404 for unknown ones), subscriptions by customer; and a switch to answer 500 to everything.
 */
public final class FakeStripe implements AutoCloseable {
    /** One request as received: method, path with query, form fields, Idempotency-Key, Authorization. */
    public record Request(String method, String path, Map<String, String> form, String idempotencyKey,
                          String authorization) {
    }

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-http");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, String> events = new HashMap<>();
    private final Map<String, String> subscriptions = new HashMap<>();
    private final Map<String, String> byIdempotencyKey = new HashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile boolean failing;

    public FakeStripe() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Stripe knows this event (its JSON), for {@code GET /v1/events/{id}}. */
    public synchronized void knowEvent(String id, String json) {
        events.put(id, json);
    }

    /** Stripe's current state of a subscription (its JSON). */
    public synchronized void knowSubscription(String id, String json) {
        subscriptions.put(id, json);
    }

    public FakeStripe failing(boolean on) {
        failing = on;
        return this;
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (query != null) {
            form.putAll(parse(query));
        }
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        int status = 200;
        String body;
        synchronized (this) {
            requests.add(new Request(method, path + (query == null ? "" : "?" + query), form, key,
                    ex.getRequestHeaders().getFirst("Authorization")));
            if (failing) {
                status = 500;
                body = error("api_error", null, "fake Stripe failure");
            } else if (method.equals("POST") && path.equals("/v1/checkout/sessions")) {
                body = idempotent(key, () -> {
                    String id = "cs_test_" + ids.incrementAndGet();
                    return "{\"id\":\"" + id + "\",\"object\":\"checkout.session\",\"mode\":\"subscription\","
                            + "\"url\":\"https://checkout.stripe.com/c/pay/" + id + "\"}";
                });
            } else if (method.equals("POST") && path.equals("/v1/billing_portal/sessions")) {
                String id = "bps_" + ids.incrementAndGet();
                body = "{\"id\":\"" + id + "\",\"object\":\"billing_portal.session\",\"customer\":\""
                        + form.get("customer") + "\",\"url\":\"https://billing.stripe.com/p/session/" + id + "\"}";
            } else if (method.equals("GET") && path.startsWith("/v1/events/")) {
                body = events.get(path.substring("/v1/events/".length()));
            } else if (method.equals("GET") && path.startsWith("/v1/subscriptions/")) {
                body = subscriptions.get(path.substring("/v1/subscriptions/".length()));
            } else if (method.equals("GET") && path.equals("/v1/subscriptions")) {
                String customer = form.get("customer");
                List<String> data = subscriptions.values().stream()
                        .filter(s -> s.contains("\"customer\":\"" + customer + "\"")).toList();
                body = "{\"object\":\"list\",\"url\":\"/v1/subscriptions\",\"has_more\":false,\"data\":["
                        + String.join(",", data) + "]}";
            } else {
                body = null;
            }
            if (body == null) {
                status = 404;
                body = error("invalid_request_error", "resource_missing", "No such object: " + path);
            }
        }
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("Request-Id", "req_fake_" + ids.incrementAndGet());
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private String idempotent(String key, java.util.function.Supplier<String> make) {
        if (key == null) {
            return make.get();
        }
        return byIdempotencyKey.computeIfAbsent(key, k -> make.get());
    }

    private static String error(String type, String code, String message) {
        return "{\"error\":{\"type\":\"" + type + "\"" + (code == null ? "" : ",\"code\":\"" + code + "\"")
                + ",\"message\":\"" + message.replace("\"", "'") + "\"}}";
    }

    private static Map<String, String> parse(String form) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            m.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
