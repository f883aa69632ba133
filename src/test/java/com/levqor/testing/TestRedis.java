package com.levqor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server 6.2 process (the binary shipped in embedded-redis), started on a free port
 * and killed by the test: the rate-limit tests share one, and kill it to show the fallback.
 */
public final class TestRedis implements AutoCloseable {
    private static final String BINARY = "redis-server-6.2.6-v5-linux-amd64";
    private static Path binary;

    private final int port;
    private Process process;

    private TestRedis(int port) {
        this.port = port;
    }

    public static TestRedis start() {
        TestRedis r = new TestRedis(freePort());
        r.launch();
        return r;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Kills the server at once (SIGKILL), as a crash would. */
    public void kill() {
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

    /** Starts the server again on the same port (empty: nothing is persisted). */
    public void restart() {
        kill();
        launch();
    }

    private void launch() {
        try {
            ProcessBuilder pb = new ProcessBuilder(binary().toString(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(Path.of("target", "tmp", "redis-" + port + ".log").toFile());
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (ping()) {
                    return;
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("redis-server did not answer on port " + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[7];
            int n = s.getInputStream().read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static synchronized Path binary() throws IOException {
        if (binary == null) {
            Path dir = Files.createDirectories(Path.of("target", "tmp", "redis-bin"));
            Path target = dir.resolve(BINARY);
            try (InputStream in = TestRedis.class.getResourceAsStream("/" + BINARY)) {
                if (in == null) {
                    throw new IllegalStateException(BINARY + " is not on the test class path (embedded-redis)");
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            target.toFile().setExecutable(true);
            binary = target.toAbsolutePath();
        }
        return binary;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }
}
