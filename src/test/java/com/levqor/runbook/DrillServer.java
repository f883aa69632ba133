package com.levqor.runbook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar levqor.jar serve} as a separate process in the drill's working directory (its
 * embedded Postgres in {@code ./data}, its logs in {@code ./logs}), restarted the way the runbook
 * says: SIGTERM, wait for the graceful stop, start again with the new environment.
 */
public final class DrillServer implements DrillTarget, AutoCloseable {
    /** Longest wait for a start or a graceful stop before the drill gives up (a safety net). */
    private static final long START_STOP_LIMIT_SECONDS = 180;

    private final Path jar;
    private final Path home;
    private final Path outputs;
    private final int port;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private Path output;
    private int starts;

    public DrillServer(Path jar, Path home, Path outputs, int port) {
        this.jar = jar;
        this.home = home;
        this.outputs = outputs;
        this.port = port;
    }

    public void start(Map<String, String> env) {
        try {
            output = outputs.resolve("serve-" + (++starts) + ".out");
            ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-jar", jar.toString(), "serve")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_STOP_LIMIT_SECONDS);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("levqor serve exited with status " + process.exitValue()
                            + " at start:\n" + logTail());
                }
                try {
                    client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ops/uptime"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                    return;
                } catch (IOException notYet) {
                    Thread.sleep(250);
                }
            }
            throw new IllegalStateException("levqor serve did not answer on port " + port + ":\n" + logTail());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void restart(Map<String, String> env) {
        stop();
        start(env);
    }

    /** SIGTERM, as {@code kill -TERM} in the runbook, then waits for the graceful stop. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(START_STOP_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public String logTail() {
        if (output == null || !Files.exists(output)) {
            return "";
        }
        try {
            String[] lines = Files.readString(output, StandardCharsets.UTF_8).split("\n");
            return "  server output (" + output + ", last lines):\n    "
                    + String.join("\n    ", Arrays.asList(lines).subList(Math.max(0, lines.length - 15), lines.length))
                    + "\n";
        } catch (IOException e) {
            return "";
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() {
        stop();
    }
}
