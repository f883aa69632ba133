package com.levqor.ops;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Prometheus' {@code promtool} (Debian package {@code prometheus}). Missing, it fails the test
 * with the way to install it: the rules are never left unchecked.
 */
final class Promtool {
    static final String INSTALL_ADVICE = "promtool not found on PATH: install the Debian package prometheus "
            + "(apt-get install prometheus), or put a promtool binary on PATH; `make test` installs it when it runs "
            + "as root with apt-get";
    /** A guard against a hung process, not a speed check: promtool answers in well under a second. */
    private static final long DEADLINE_SECONDS = 120;

    /** What one run printed (standard output and error together) and its exit status. */
    record Result(int exitCode, String output) {
        @Override
        public String toString() {
            return "promtool exited " + exitCode + ":\n" + output;
        }
    }

    private Promtool() {
    }

    static Path binary() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(INSTALL_ADVICE);
    }

    static Result run(Path workingDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("promtool " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
