package com.levqor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.MemoryUtils;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpServer#presetJettyCacheLine}: the number it gives Jetty is the one Jetty's MemoryUtils
 * computes the slow way, with compressed references and without; a value set by the user stays.
 * Each case runs in a JVM of its own, where Jetty has not answered the question yet.
 */
class JettyCacheLineTest {

    @Test
    void theAnswerIsJettysOwnWithCompressedReferences() throws Exception {
        assertThat(probe("jetty")).isEqualTo("16");
        assertThat(probe("ours")).isEqualTo("16");
    }

    @Test
    void theAnswerIsJettysOwnWithoutCompressedReferences() throws Exception {
        assertThat(probe("jetty", "-XX:-UseCompressedOops")).isEqualTo("8");
        assertThat(probe("ours", "-XX:-UseCompressedOops")).isEqualTo("8");
    }

    @Test
    void aPresetValueIsWhatJettyUsesAndAUsersValueStays() throws Exception {
        assertThat(probe("preset")).isEqualTo("16");
        assertThat(probe("preset", "-D" + HttpServer.REFERENCES_PER_CACHE_LINE + "=4")).isEqualTo("4");
    }

    private static String probe(String what, String... jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), what));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().reduce((a, b) -> b).orElse("");
    }

    /** Prints Jetty's answer, ours, or Jetty's after the preset, as the last line. */
    static final class Probe {
        public static void main(String[] args) {
            switch (args[0]) {
                case "jetty" -> System.out.println(MemoryUtils.getReferencesPerCacheLine());
                case "ours" -> System.out.println(HttpServer.referencesPerCacheLine().orElse(-1));
                default -> {
                    HttpServer.presetJettyCacheLine();
                    System.out.println(MemoryUtils.getReferencesPerCacheLine());
                }
            }
        }
    }
}
