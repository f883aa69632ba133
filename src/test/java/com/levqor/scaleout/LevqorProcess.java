package com.levqor.scaleout;

import com.levqor.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One real {@code levqor serve} or {@code levqor worker} process run from the test class path
 * ({@code java -cp … com.levqor.Main}), with its own log folder and output file under
 * {@code target/tmp}. {@link #kill()} is SIGKILL (no shutdown hook runs); {@link #close()} is SIGTERM,
 * then SIGKILL when the process outlives its grace.
 */
final class LevqorProcess implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String command;
    private final int port;
    private final Path output;
    private final Process process;

    private LevqorProcess(String name, String command, int port, Path output, Process process) {
        this.name = name;
        this.command = command;
        this.port = port;
        this.output = output;
        this.process = process;
    }

    /** Starts {@code levqor serve} on a free port of 127.0.0.1; {@code env} is the whole Levqor environment but PORT. */
    static LevqorProcess serve(String name, Map<String, String> env) {
        return start(name, "serve", env, freePort());
    }

    /** Starts {@code levqor worker}; {@code env} is the whole Levqor environment (PORT is dropped). */
    static LevqorProcess worker(String name, Map<String, String> env) {
        return start(name, "worker", env, 0);
    }

    private static LevqorProcess start(String name, String command, Map<String, String> env, int port) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "tmp", "scaleout-" + ProcessHandle.current().pid(), name));
            Path output = dir.resolve("out.log");
            ProcessBuilder pb = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), command))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            // Nothing of the caller's shell decides which database or Redis the process uses.
            pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL")
                    || k.equals("REDIS_URL"));
            pb.environment().putAll(env);
            pb.environment().put("LOG_DIR", dir.resolve("logs").toString());
            if (port > 0) {
                pb.environment().put("PORT", Integer.toString(port));
            } else {
                pb.environment().remove("PORT");
            }
            return new LevqorProcess(name, command, port, output, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start levqor " + command + " (" + name + ")", e);
        }
    }

    /**
     * Waits until the process serves: a serve answers 200 on {@code /readyz}, a worker has logged
     * that it started. Fails naming the process and the end of its output when it exits or times out.
     */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(this + " exited with " + process.exitValue() + " before it was ready:\n"
                        + tail());
            }
            if (ready()) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError(this + " not ready within " + timeout.toSeconds() + " s:\n" + tail());
    }

    private boolean ready() {
        if (port == 0) {
            return output().contains(" worker started in ");
        }
        try {
            return CLIENT.send(HttpRequest.newBuilder(uri("/readyz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    URI uri(String path) {
        if (port == 0) {
            throw new IllegalStateException(this + " has no HTTP port");
        }
        return URI.create("http://127.0.0.1:" + port + path);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process printed so far. */
    String output() {
        try {
            return Files.readString(output);
        } catch (NoSuchFileException notYet) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String tail() {
        String all = output();
        return all.length() <= 4_000 ? all : all.substring(all.length() - 4_000);
    }

    /** SIGKILL, and waits for the process to be gone: nothing of it runs any more. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(this + " still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (a graceful stop), then SIGKILL after 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return "levqor " + command + " '" + name + "' (pid " + process.pid() + (port > 0 ? ", port " + port : "") + ")";
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
