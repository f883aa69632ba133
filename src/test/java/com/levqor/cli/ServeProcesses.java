package com.levqor.cli;

import com.levqor.Main;
import java.nio.file.Path;
import java.util.Map;

/** {@code levqor serve} as a process of its own, on this test run's class path, for the tests that signal it. */
final class ServeProcesses {
    private ServeProcesses() {
    }

    /**
     * A builder of {@code java … Main serve} with {@code env} (none of this JVM's PG* or DATABASE_URL),
     * standard output and error both written to {@code output}.
     */
    static ProcessBuilder serve(Map<String, String> env, Path output) {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve");
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL"));
        pb.environment().putAll(env);
        return pb.redirectErrorStream(true).redirectOutput(output.toFile());
    }
}
