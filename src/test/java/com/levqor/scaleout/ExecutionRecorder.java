package com.levqor.scaleout;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The far end of the jobs' {@code http.request} workflow: a loopback HTTP server that counts the
 * requests per path token ({@code POST /run/<token>}), each request being one execution of the job
 * whose payload names that token. It answers 200 after {@code delayMillis}, so that runs are in
 * flight when a process is killed.
 */
final class ExecutionRecorder implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(32);
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    ExecutionRecorder(long delayMillis) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/run/", exchange -> {
            String token = exchange.getRequestURI().getPath().substring("/run/".length());
            runs.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"recorded\":true}".getBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    /** The URL a job with this token calls. */
    String url(String token) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/run/" + token;
    }

    /** The token of a URL made by {@link #url}. */
    static String tokenOf(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** How many times the job of {@code token} ran (0 when never). */
    int runs(String token) {
        AtomicInteger n = runs.get(token);
        return n == null ? 0 : n.get();
    }

    /** Every execution recorded so far. */
    int total() {
        return runs.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
