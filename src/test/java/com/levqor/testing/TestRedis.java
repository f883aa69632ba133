package com.levqor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server process (the Redis 6.2 binary that embedded-redis ships), started by the test
 * on a free port, killable with SIGKILL and restartable on the same port. {@link #shared()} is one
 * instance for the whole run; tests that kill Redis start their own.
 */
public final class TestRedis implements AutoCloseable {
    private static final String BINARY = "redis-server-6.2.6-v5-linux-amd64";
    private static TestRedis shared;

    private final int port;
    private Process process;

    private TestRedis(int port) {
        this.port = port;
    }

    /** One Redis for every test that only needs a working one (flush your keys or use your own data). */
    public static synchronized TestRedis shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    public static TestRedis start() {
        TestRedis r = new TestRedis(freePort());
        r.startProcess();
        return r;
    }

    /** The redis-server binary, unpacked under target/ once (also run in sentinel mode by {@link TestSentinels}). */
    static synchronized Path binary() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "tmp", "redis-bin"));
            Path bin = dir.resolve(BINARY);
            if (!Files.isExecutable(bin)) {
                try (InputStream in = TestRedis.class.getClassLoader().getResourceAsStream(BINARY)) {
                    if (in == null) {
                        throw new IllegalStateException(BINARY + " is not on the test class path (embedded-redis)");
                    }
                    Path tmp = dir.resolve(BINARY + ".tmp" + ProcessHandle.current().pid());
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    tmp.toFile().setExecutable(true);
                    Files.move(tmp, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return bin;
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

    /** Starts (or restarts, after {@link #kill()}) redis-server on this port, empty. */
    public synchronized void startProcess() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "tmp", "redis-" + port));
            process = new ProcessBuilder(binary().toAbsolutePath().toString(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toAbsolutePath().toString(),
                    "--protected-mode", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    Thread.sleep(20);
                }
            }
            throw new IllegalStateException("redis-server did not open port " + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts redis-server again on the same port after {@link #kill()} (empty, as after a crash without persistence). */
    public void restart() {
        kill();
        startProcess();
    }

    /** SIGKILL: Redis vanishes without a goodbye. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public int port() {
        return port;
    }

    /** The redis-server's process id (to send it SIGSTOP and SIGCONT: a hung Redis, not a dead one). */
    public synchronized long pid() {
        return process.pid();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public synchronized void close() {
        kill();
    }
}
