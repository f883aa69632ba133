package com.levqor.runbook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs runbook blocks one after another in bash as an operator's shell would: variables a block
 * sets (exported or not) are there for the next block, {@code levqor} is a shell function for
 * {@code java -jar $LEVQOR_JAR}, and every block starts in the server's working directory. Each
 * block is its own bash process; the shell's state is carried in {@code state.sh} ({@code export -p}).
 */
public final class DrillShell {
    /** A block that runs longer than this is stopped and fails (a safety net, not a check). */
    static final long BLOCK_TIMEOUT_SECONDS = 300;
    private static final Set<String> SHELL_OWN = Set.of("PWD", "OLDPWD", "SHLVL", "_");

    /** What one block did: its exit status and output. */
    public record Result(int status, String out, String err) {
    }

    private final Path dir;
    private final Path home;

    /**
     * @param dir  where the shell keeps its state and block scripts
     * @param home the working directory of every block (the server's)
     * @param env  the shell's environment to begin with
     */
    public DrillShell(Path dir, Path home, Map<String, String> env) {
        this.dir = dir.toAbsolutePath();
        this.home = home.toAbsolutePath();
        try {
            Files.createDirectories(this.dir);
            Files.createDirectories(this.home);
            Files.writeString(this.dir.resolve("prelude.sh"),
                    "# the levqor command of the runbook: the jar through java\n"
                            + "levqor() { java -jar \"$LEVQOR_JAR\" \"$@\"; }\n");
            StringBuilder state = new StringBuilder();
            env.forEach((k, v) -> state.append("export ").append(k).append('=').append(quote(v)).append('\n'));
            Files.writeString(this.dir.resolve("state.sh"), state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Result run(int number, String code) {
        try {
            Path script = dir.resolve("block-" + number + ".sh");
            Files.writeString(script, "source " + quote(dir.resolve("prelude.sh").toString()) + "\n"
                    + "source " + quote(dir.resolve("state.sh").toString()) + "\n"
                    + "trap 'export -p > " + quote(dir.resolve("state.sh").toString()) + "; env -0 > "
                    + quote(dir.resolve("env.bin").toString()) + "' EXIT\n"
                    + "set -a\n"
                    + "cd " + quote(home.toString()) + "\n"
                    + code);
            Path out = dir.resolve("block-" + number + ".out");
            Path err = dir.resolve("block-" + number + ".err");
            ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
                    .directory(home.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(environment());
            Process p = pb.start();
            int status;
            if (p.waitFor(BLOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                status = p.exitValue();
            } else {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                status = -1;
                Files.writeString(err, "\n(stopped by the drill after " + BLOCK_TIMEOUT_SECONDS + " s)\n",
                        java.nio.file.StandardOpenOption.APPEND);
            }
            return new Result(status, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The shell's exported variables as the last block left them (what a restart starts the server with). */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        try {
            Path bin = dir.resolve("env.bin");
            if (!Files.exists(bin)) {
                return initialEnvironment();
            }
            for (String entry : Files.readString(bin, StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0 && !SHELL_OWN.contains(entry.substring(0, eq))) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> initialEnvironment() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("state.sh"))) {
            String assignment = line.substring("export ".length());
            int eq = assignment.indexOf('=');
            env.put(assignment.substring(0, eq), unquote(assignment.substring(eq + 1)));
        }
        return env;
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String unquote(String quoted) {
        return quoted.substring(1, quoted.length() - 1).replace("'\\''", "'");
    }
}
