package com.levqor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/levqor's decisions, read from the command line it prints ({@code LEVQOR_PRINT_COMMAND=1}): the
 * memory defaults, the options placed last, and when the class-data sharing archive is used, made or
 * left alone. LauncherIT runs it on the real jar.
 */
class LauncherTest {
    static final Path LAUNCHER = Path.of("bin", "levqor").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    static Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("sh", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("LEVQOR_") || k.equals("JAVA"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }

    private Path jar() throws IOException {
        Path jar = dir.resolve("levqor.jar");
        Files.write(jar, new byte[] {'P', 'K'});
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
        return jar;
    }

    private Run print(Path jar, Map<String, String> more, String... args) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("LEVQOR_JAR", jar.toString(), "LEVQOR_PRINT_COMMAND", "1"));
        env.putAll(more);
        Run r = launch(env, args);
        assertThat(r.status()).as(r.err()).isZero();
        return r;
    }

    @Test
    void boundsMemoryByDefaultAndPutsTheOperatorsOptionsLast() throws Exception {
        Path jar = jar();
        String cmd = print(jar, Map.of(), "serve").out();
        assertThat(cmd).contains("-Xmx128m", "-XX:MaxMetaspaceSize=", "-XX:ReservedCodeCacheSize=", "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError", "-XX:Tier4InvocationThreshold=").endsWith("-jar " + jar + " serve");
        assertThat(print(jar, Map.of("LEVQOR_HEAP_MAX", "300m"), "serve").out()).contains("-Xmx300m")
                .doesNotContain("-Xmx128m");
        String custom = print(jar, Map.of("LEVQOR_JAVA_OPTS", "-Xmx1g -Xlog:gc"), "worker").out();
        assertThat(custom.indexOf("-Xmx1g")).isGreaterThan(custom.indexOf("-Xmx128m"));
        assertThat(custom).endsWith("-Xmx1g -Xlog:gc -jar " + jar + " worker");
    }

    /** A JDK folder whose {@code release} names {@code version}; its java only prints (the launcher prints first). */
    private Path jdk(String version) throws IOException {
        Path home = dir.resolve("jdk-" + version);
        Files.createDirectories(home.resolve("bin"));
        Path java = home.resolve("bin").resolve("java");
        Files.writeString(java, "#!/bin/sh\necho java \"$@\"\n");
        java.toFile().setExecutable(true);
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    @Test
    void returnsFreedNativeMemoryOnlyOnJvmsThatHaveTheOption() throws Exception {
        Path jar = jar();
        for (String version : List.of("17.0.9", "17.0.15", "21.0.1", "22", "25.0.1")) {
            assertThat(print(jar, Map.of("JAVA_HOME", jdk(version).toString()), "serve").out())
                    .as(version).contains("-XX:TrimNativeHeapInterval=5000");
        }
        for (String version : List.of("17.0.8", "17.0.1", "18.0.2", "20.0.2", "21.0.0")) {
            assertThat(print(jar, Map.of("JAVA_HOME", jdk(version).toString()), "serve").out())
                    .as(version + " would refuse the option").doesNotContain("TrimNativeHeapInterval");
        }
        assertThat(print(jar, Map.of("JAVA", dir.resolve("no-such-java").toString()), "serve").out())
                .as("no release file to read").doesNotContain("TrimNativeHeapInterval");
    }

    @Test
    void usesAnArchiveMadeForThisJarAndMakesOneOnServeOtherwise() throws Exception {
        Path jar = jar();
        Path archive = dir.resolve("levqor.jsa");
        // None yet: serve writes one when it stops; a one-shot command does not.
        assertThat(print(jar, Map.of(), "serve").out()).contains("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(print(jar, Map.of(), "backup").out()).doesNotContain("Archive");

        // One made for this jar, newer than it: used by every command.
        Files.write(archive, new byte[] {1});
        Files.writeString(dir.resolve("levqor.jsa.jar"), jar + "\n");
        assertThat(print(jar, Map.of(), "serve").out()).contains("-XX:SharedArchiveFile=" + archive)
                .doesNotContain("ArchiveClassesAtExit");
        assertThat(print(jar, Map.of(), "backup").out()).contains("-XX:SharedArchiveFile=" + archive);
        assertThat(print(jar, Map.of("LEVQOR_CDS", "off"), "serve").out()).doesNotContain("Archive");

        // Made for a jar elsewhere (the JVM would refuse it): serve makes a new one.
        Files.writeString(dir.resolve("levqor.jsa.jar"), "/build/target/levqor.jar\n");
        assertThat(print(jar, Map.of(), "serve").out()).contains("-XX:ArchiveClassesAtExit=" + archive);

        // Older than the jar (a new build): not used either.
        Files.writeString(dir.resolve("levqor.jsa.jar"), jar + "\n");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(3600)));
        assertThat(print(jar, Map.of(), "backup").out()).doesNotContain("SharedArchiveFile");

        // Elsewhere, by LEVQOR_CDS_ARCHIVE (a writable state folder when the jar's is read-only).
        Path state = Files.createDirectories(dir.resolve("state"));
        assertThat(print(jar, Map.of("LEVQOR_CDS_ARCHIVE", state.resolve("l.jsa").toString()), "serve").out())
                .contains("-XX:ArchiveClassesAtExit=" + state.resolve("l.jsa"));
    }

    @Test
    void aMissingJarIsNamedAndExitsTwo() throws Exception {
        Run r = launch(Map.of("LEVQOR_JAR", dir.resolve("nope.jar").toString()), "serve");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("levqor.jar not found", "LEVQOR_JAR");
    }
}
