package com.levqor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher on the packaged jar (after package, like the runbook drill): build/cds-archive.sh makes
 * the class-data sharing archive with a training run of serve, and the launcher's next start maps it;
 * -Xshare:on makes the JVM refuse to start if it could not.
 */
class LauncherIT {
    @TempDir
    Path dir;

    @Test
    void theArchiveMakeJarBuildsIsTheOneTheLauncherStartsWith() throws Exception {
        Path jar = dir.resolve("levqor.jar");
        Files.copy(Path.of("target", "levqor.jar"), jar);
        Process build = new ProcessBuilder("sh", "build/cds-archive.sh", jar.toString()).redirectErrorStream(true).start();
        String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(build.exitValue()).as(log).isZero();
        assertThat(dir.resolve("levqor.jsa")).isNotEmptyFile();
        assertThat(Files.readString(dir.resolve("levqor.jsa.jar")).trim()).isEqualTo(jar.toString());

        LauncherTest.Run r = LauncherTest.launch(Map.of("LEVQOR_JAR", jar.toString(),
                "LEVQOR_JAVA_OPTS", "-Xshare:on -Xlog:cds=info:stdout"), "--version");
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("levqor ").contains("Opened archive " + dir.resolve("levqor.jsa"));

        // Without it the same -Xshare:on start fails: the check above is the archive's doing.
        LauncherTest.Run off = LauncherTest.launch(Map.of("LEVQOR_JAR", jar.toString(), "LEVQOR_CDS", "off",
                "LEVQOR_JAVA_OPTS", "-XX:SharedArchiveFile=" + dir.resolve("missing.jsa") + " -Xshare:on"), "--version");
        assertThat(off.status()).isNotZero();
        assertThat(List.of(off.out(), off.err()).toString()).containsIgnoringCase("shared archive");
    }
}
