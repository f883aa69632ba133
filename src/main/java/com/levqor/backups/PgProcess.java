package com.levqor.backups;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code pg_dump} or {@code psql}: started with the libpq environment of its
 * {@link PgTarget} (every {@code PG*} variable of this process removed first), its stderr kept (the
 * last {@link #STDERR_KEEP} bytes) for the error message, and destroyed when the caller is interrupted.
 */
final class PgProcess {
    static final int STDERR_KEEP = 8 * 1024;

    private final String name;
    private final Process process;
    private final Thread stderrReader;
    private final byte[] stderrTail = new byte[STDERR_KEEP];
    private int stderrLength;

    private PgProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stderrReader = new Thread(this::readStderr, "levqor-" + name + "-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    /**
     * Starts the tool; stdout is piped (read it with {@link #stdout()}) or discarded.
     *
     * @param pipeStdout true to read the tool's output, false to discard it
     */
    static PgProcess start(PgTools.Tool tool, List<String> args, PgTarget target, boolean pipeStdout) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(tool.path().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.putAll(target.libpqEnvironment("levqor-" + tool.name()));
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(pipeStdout ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        p.getOutputStream().close(); // nothing to say: a tool that asks for a password gets end of input
        return new PgProcess(tool.name(), p);
    }

    InputStream stdout() {
        return process.getInputStream();
    }

    /** Waits for the tool to end; interrupted, it is destroyed first. Returns the exit status. */
    int waitFor() throws InterruptedException {
        try {
            int status = process.waitFor();
            stderrReader.join(TimeUnit.SECONDS.toMillis(5));
            return status;
        } catch (InterruptedException e) {
            destroy();
            throw e;
        }
    }

    void destroy() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The end of what the tool wrote on stderr, trimmed. */
    synchronized String stderr() {
        return new String(stderrTail, 0, stderrLength, StandardCharsets.UTF_8).trim();
    }

    /** "pg_dump exited with 1: <its last error lines>". */
    String failure(int status) {
        String err = stderr();
        return name + " exited with status " + status + (err.isEmpty() ? "" : ": " + err);
    }

    private void readStderr() {
        byte[] buf = new byte[4_096];
        try (InputStream in = process.getErrorStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                keep(buf, n);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private synchronized void keep(byte[] buf, int n) {
        if (n >= STDERR_KEEP) {
            System.arraycopy(buf, n - STDERR_KEEP, stderrTail, 0, STDERR_KEEP);
            stderrLength = STDERR_KEEP;
            return;
        }
        int overflow = stderrLength + n - STDERR_KEEP;
        if (overflow > 0) {
            System.arraycopy(stderrTail, overflow, stderrTail, 0, stderrLength - overflow);
            stderrLength -= overflow;
        }
        System.arraycopy(buf, 0, stderrTail, stderrLength, n);
        stderrLength += n;
    }
}
