package com.levqor.chaos;

import com.levqor.Main;
import com.levqor.testing.Await;
import com.levqor.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code levqor serve} or {@code levqor worker} process started from the test class path (so the
 * test workflows are there), on a port and a log folder of its own under {@code target/tmp}, against
 * the scenario's Postgres and Redis. It can be killed with SIGKILL, stopped with SIGTERM and started
 * again on the same port.
 */
public final class LevqorProcess implements AutoCloseable {
    private final String role;
    private final String name;
    private final int port;
    private final Map<String, String> env;
    private final Path dir;
    private Process process;
    private int starts;

    private LevqorProcess(String role, String name, int port, Map<String, String> env, Path dir) {
        this.role = role;
        this.name = name;
        this.port = port;
        this.env = env;
        this.dir = dir;
    }

    /** Environment of every chaos process: the test server's (generous limits, no backups) on the given database. */
    public static Map<String, String> baseEnv(String jdbcUrl, String redisUrl, Path logDir) {
        Map<String, String> env = TestServer.baseEnv(jdbcUrl, logDir);
        if (redisUrl != null) {
            env.put("REDIS_URL", redisUrl);
        }
        env.put("STATUS_PAGE_ENABLED", "false");
        return env;
    }

    /** Starts {@code levqor serve} and waits until {@code /readyz} answers 200. */
    public static LevqorProcess serve(String name, String jdbcUrl, String redisUrl, Map<String, String> extra) {
        Path dir = folder(name);
        Map<String, String> env = baseEnv(jdbcUrl, redisUrl, dir.resolve("logs"));
        env.putAll(extra);
        LevqorProcess p = new LevqorProcess("serve", name, freePort(), env, dir);
        p.start();
        return p;
    }

    /** Starts {@code levqor worker} (no HTTP); give it a moment, or watch its jobs, before relying on it. */
    public static LevqorProcess worker(String name, String jdbcUrl, String redisUrl, Map<String, String> extra) {
        Path dir = folder(name);
        Map<String, String> env = baseEnv(jdbcUrl, redisUrl, dir.resolve("logs"));
        env.remove("PORT");
        env.putAll(extra);
        LevqorProcess p = new LevqorProcess("worker", name, 0, env, dir);
        p.start();
        return p;
    }

    /** The folder of the process named {@code name} (its log folder is {@code logs} inside), created if missing. */
    public static Path folder(String name) {
        try {
            return Files.createDirectories(Path.of("target", "tmp", "chaos-" + ProcessHandle.current().pid(), name)
                    .toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the process (again, after a kill or a stop) on the same port and folders; a serve is awaited ready. */
    public synchronized void start() {
        Map<String, String> e = new HashMap<>(env);
        if (role.equals("serve")) {
            e.put("PORT", Integer.toString(port));
        }
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), role);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(role + ".out").toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL") || k.equals("REDIS_URL"));
        pb.environment().putAll(e);
        try {
            process = pb.start();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        starts++;
        if (role.equals("serve")) {
            ChaosHttp http = new ChaosHttp(port);
            Await.until(name + " /readyz 200 (see " + dir.resolve(role + ".out") + ")", Duration.ofSeconds(120), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited with " + process.exitValue() + ", see "
                            + dir.resolve(role + ".out"));
                }
                return http.get("/readyz").status() == 200;
            });
        }
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public Path logDir() {
        return dir.resolve("logs");
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public ChaosHttp http() {
        return new ChaosHttp(port);
    }

    /** SIGKILL: no shutdown hook, claims and connections left behind. */
    public synchronized void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitExit();
        }
    }

    /** SIGTERM, without waiting for the process to end. */
    public synchronized void terminate() {
        process.destroy();
    }

    /** Waits up to two minutes for the process to end; its exit status. */
    public int waitExit() {
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " did not end within 2 minutes");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Everything the process printed so far (all its runs). */
    public String output() {
        try {
            Path out = dir.resolve(role + ".out");
            return Files.exists(out) ? Files.readString(out) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
