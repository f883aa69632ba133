package com.levqor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real Redis Sentinel deployment on loopback: a master, one replica ({@code replicaof}) and three
 * sentinels ({@code redis-server <conf> --sentinel}, quorum 2), each process with its own folder and,
 * for the sentinels, its own conf file (a sentinel rewrites it). {@link #start} returns once the
 * replica is in sync and every sentinel knows the replica and the two other sentinels, so a failover
 * can be authorised the moment the master dies. The binary is {@link TestRedis}'s.
 */
public final class TestSentinels implements AutoCloseable {
    /** The sentinels call the master unreachable after this long without an answer. */
    public static final long DOWN_AFTER_MILLIS = 1_000;
    /** A failover that stalls (say, split votes) is tried again after twice this. */
    public static final long FAILOVER_TIMEOUT_MILLIS = 3_000;
    private static final Duration READY = Duration.ofSeconds(30);

    private final String masterName;
    private final String masterPassword;
    private final String sentinelPassword;
    private final Path dir;
    private final int masterPort;
    private final int replicaPort;
    private final List<Integer> sentinelPorts;
    private final List<Process> processes = new ArrayList<>();
    private Process master;

    private TestSentinels(String masterName, String masterPassword, String sentinelPassword, Path dir, int masterPort,
                          int replicaPort, List<Integer> sentinelPorts) {
        this.masterName = masterName;
        this.masterPassword = masterPassword;
        this.sentinelPassword = sentinelPassword;
        this.dir = dir;
        this.masterPort = masterPort;
        this.replicaPort = replicaPort;
        this.sentinelPorts = sentinelPorts;
    }

    /** Starts master, replica and three sentinels monitoring the master as {@code masterName}, no passwords. */
    public static TestSentinels start(String masterName) {
        return start(masterName, null, null);
    }

    /**
     * As {@link #start(String)}, the master and replica with {@code requirepass masterPassword} and the
     * sentinels with {@code requirepass sentinelPassword} (null: none).
     */
    public static TestSentinels start(String masterName, String masterPassword, String sentinelPassword) {
        int masterPort = freePort();
        Path dir = Path.of("target", "tmp", "sentinels-" + masterPort).toAbsolutePath();
        TestSentinels set = new TestSentinels(masterName, masterPassword, sentinelPassword, dir, masterPort, freePort(),
                List.of(freePort(), freePort(), freePort()));
        try {
            set.startAll();
            return set;
        } catch (RuntimeException | Error e) {
            set.close();
            throw e;
        }
    }

    private void startAll() {
        master = server("master", masterPort);
        server("replica", replicaPort, "--replicaof", "127.0.0.1", Integer.toString(masterPort));
        for (int port : sentinelPorts) {
            sentinel(port);
        }
        Await.until("replica in sync with the master", READY, () -> {
            try (Jedis j = connect(replicaPort, masterPassword)) {
                return j.info("replication").contains("master_link_status:up");
            }
        });
        for (int port : sentinelPorts) {
            Await.until("sentinel " + port + " knows the replica and the other two sentinels", READY, () -> {
                try (Jedis j = connect(port, sentinelPassword)) {
                    Map<String, String> m = j.sentinelMaster(masterName);
                    return "1".equals(m.get("num-slaves")) && "2".equals(m.get("num-other-sentinels"));
                }
            });
        }
    }

    private Process server(String name, int port, String... extra) {
        try {
            Path home = Files.createDirectories(dir.resolve(name));
            List<String> cmd = new ArrayList<>(List.of(TestRedis.binary().toAbsolutePath().toString(),
                    "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", home.toString(), "--protected-mode", "no"));
            if (masterPassword != null) {
                cmd.addAll(List.of("--requirepass", masterPassword, "--masterauth", masterPassword));
            }
            cmd.addAll(List.of(extra));
            return launch(cmd, home, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sentinel(int port) {
        try {
            Path home = Files.createDirectories(dir.resolve("sentinel-" + port));
            Path conf = home.resolve("sentinel.conf");
            List<String> lines = new ArrayList<>(List.of(
                    "port " + port,
                    "bind 127.0.0.1",
                    "protected-mode no",
                    "dir " + home,
                    "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 2",
                    "sentinel down-after-milliseconds " + masterName + " " + DOWN_AFTER_MILLIS,
                    "sentinel failover-timeout " + masterName + " " + FAILOVER_TIMEOUT_MILLIS,
                    "sentinel parallel-syncs " + masterName + " 1"));
            if (masterPassword != null) {
                lines.add("sentinel auth-pass " + masterName + " " + masterPassword);
            }
            if (sentinelPassword != null) {
                lines.add("requirepass " + sentinelPassword); // also what it presents to the other sentinels
            }
            lines.add("");
            Files.writeString(conf, String.join("\n", lines));
            launch(List.of(TestRedis.binary().toAbsolutePath().toString(), conf.toString(), "--sentinel"), home, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized Process launch(List<String> cmd, Path home, int port) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(home.resolve("redis.log").toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                Await.sleep(20);
            }
        }
        throw new IllegalStateException(cmd.get(0) + " did not open port " + port + " (see " + home + "/redis.log)");
    }

    private static Jedis connect(int port, String password) {
        Jedis j = new Jedis("127.0.0.1", port);
        if (password != null) {
            j.auth(password);
        }
        return j;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL to the master: it vanishes without a goodbye, and the sentinels promote the replica. */
    public synchronized void killMaster() {
        master.destroyForcibly();
        try {
            master.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code REDIS_SENTINELS}: the three sentinels' addresses. */
    public String sentinelsEnv() {
        return sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> sentinelPorts() {
        return sentinelPorts;
    }

    public String masterName() {
        return masterName;
    }

    public int masterPort() {
        return masterPort;
    }

    public int replicaPort() {
        return replicaPort;
    }

    /** Where the first sentinel that answers says the master is now. */
    public HostAndPort currentMaster() {
        for (int port : sentinelPorts) {
            try (Jedis j = connect(port, sentinelPassword)) {
                List<String> hostPort = j.sentinelGetMasterAddrByName(masterName);
                return new HostAndPort(hostPort.get(0), Integer.parseInt(hostPort.get(1)));
            } catch (RuntimeException tryNext) {
                // that sentinel does not answer: ask the next
            }
        }
        throw new IllegalStateException("no sentinel answers");
    }

    /** The processes' folders (logs, sentinel confs), for a failure message. */
    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }
}
