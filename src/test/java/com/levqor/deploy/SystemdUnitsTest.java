package com.levqor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code runbook/deploy/levqor.service} and {@code levqor-worker.service}: {@code systemd-analyze
 * verify} accepts them without a warning, and they hold the settings an operator relies on (user,
 * environment file, working directory, restart policy, hardening, a stop timeout longer than an
 * orderly stop).
 *
 * <p>verify checks that ExecStart's program exists and is executable. It runs on a scratch root
 * ({@code --root}) holding the units where they are installed, the machine's own systemd units
 * (the targets a service depends on) and an executable stand-in at the launcher's installed path,
 * {@code /opt/levqor/bin/levqor}: the units are checked byte for byte as shipped.
 */
class SystemdUnitsTest {
    static final Path DEPLOY = Path.of("runbook", "deploy");
    static final String INSTALL_ADVICE = "systemd-analyze not found on PATH: install the Debian package systemd "
            + "(apt-get install systemd); `make test` installs it when it runs as root with apt-get";
    private static final List<String> UNITS = List.of("levqor.service", "levqor-worker.service");
    /** A guard against a hung process, not a speed check. */
    private static final long DEADLINE_SECONDS = 120;

    @Test
    void systemdAnalyzeVerifiesBothUnitsWithoutAWarning() throws Exception {
        Path root = scratchRoot(true);
        List<String> args = new ArrayList<>(List.of("verify", "--man=no", "--generators=no", "--root=" + root));
        UNITS.forEach(u -> args.add("/etc/systemd/system/" + u));
        Result r = systemdAnalyze(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).as("verify's warnings").isBlank();
    }

    @Test
    void verifyRefusesAUnitWhoseLauncherIsMissing() throws Exception {
        // The same check without the stand-in launcher: proves verify looked at ExecStart inside the root.
        Path root = scratchRoot(false);
        Result r = systemdAnalyze(List.of("verify", "--man=no", "--generators=no", "--root=" + root,
                "/etc/systemd/system/levqor.service"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.output()).contains("/opt/levqor/bin/levqor");
    }

    @Test
    void serveUnitRunsTheLauncherAsItsOwnUserWithHardeningAndALongEnoughStop() throws IOException {
        Map<String, List<String>> unit = directives(DEPLOY.resolve("levqor.service"));
        assertThat(unit.get("ExecStart")).containsExactly("/opt/levqor/bin/levqor serve");
        assertCommon(unit);
        assertThat(seconds(unit, "TimeoutStopSec") * 1000).as("TimeoutStopSec against an orderly stop of serve")
                .isGreaterThan(StopBudget.serveMillis());
    }

    @Test
    void workerUnitRunsTheLauncherWorkerWithTheSameSettings() throws IOException {
        Map<String, List<String>> unit = directives(DEPLOY.resolve("levqor-worker.service"));
        assertThat(unit.get("ExecStart")).containsExactly("/opt/levqor/bin/levqor worker");
        assertCommon(unit);
        assertThat(seconds(unit, "TimeoutStopSec") * 1000).as("TimeoutStopSec against an orderly stop of worker")
                .isGreaterThan(StopBudget.workerMillis());
    }

    private static void assertCommon(Map<String, List<String>> unit) {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Type", "exec");
        expected.put("User", "levqor");
        expected.put("Group", "levqor");
        expected.put("EnvironmentFile", "/etc/levqor/levqor.env");
        expected.put("WorkingDirectory", "/var/lib/levqor");
        expected.put("Restart", "on-failure");
        expected.put("RestartPreventExitStatus", "2");
        expected.put("KillSignal", "SIGTERM");
        expected.put("KillMode", "mixed");
        expected.put("NoNewPrivileges", "yes");
        expected.put("ProtectSystem", "strict");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.forEach((key, value) -> assertThat(unit.get(key)).as(key).containsExactly(value));
        assertThat(seconds(unit, "RestartSec")).as("RestartSec").isBetween(1L, 60L);
        // data/, logs/ and db/backups/pg/ are relative to the working directory: it must stay writable.
        assertThat(unit.get("ReadWritePaths")).as("ReadWritePaths").isNotNull();
        assertThat(String.join(" ", unit.get("ReadWritePaths")).split("\\s+")).contains("/var/lib/levqor");
    }

    /** Every {@code Key=value} of a unit file, in order, by key (sections merged: the keys used are distinct). */
    static Map<String, List<String>> directives(Path unit) throws IOException {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(unit)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";") || l.startsWith("[")) {
                continue;
            }
            int eq = l.indexOf('=');
            m.computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>()).add(l.substring(eq + 1).strip());
        }
        return m;
    }

    private static long seconds(Map<String, List<String>> unit, String key) {
        assertThat(unit.get(key)).as(key).hasSize(1);
        Matcher m = Pattern.compile("(\\d+)(s|min)?").matcher(unit.get(key).get(0));
        assertThat(m.matches()).as(key + " in seconds or minutes: " + unit.get(key)).isTrue();
        long n = Long.parseLong(m.group(1));
        return "min".equals(m.group(2)) ? n * 60 : n;
    }

    /** A root with the units at /etc/systemd/system, the machine's systemd units, and (optionally) the launcher. */
    private static Path scratchRoot(boolean withLauncher) throws IOException {
        Path tmp = Files.createDirectories(Path.of("target", "tmp").toAbsolutePath());
        Path root = Files.createTempDirectory(tmp, "systemd-root-");
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        for (String u : UNITS) {
            Files.copy(DEPLOY.resolve(u), etc.resolve(u));
        }
        Path systemUnits = Stream.of(Path.of("/usr/lib/systemd/system"), Path.of("/lib/systemd/system"))
                .filter(Files::isDirectory).findFirst()
                .orElseThrow(() -> new AssertionError("no /usr/lib/systemd/system: " + INSTALL_ADVICE));
        copyTree(systemUnits, root.resolve("usr/lib/systemd/system"));
        if (withLauncher) {
            Path launcher = Files.createDirectories(root.resolve("opt/levqor/bin")).resolve("levqor");
            Files.writeString(launcher, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return root;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    // Symbolic links (aliases, masked units) are copied as links.
                    Files.copy(p, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    record Result(int exitCode, String output) {
        @Override
        public String toString() {
            return "systemd-analyze exited " + exitCode + ":\n" + output;
        }
    }

    private static Result systemdAnalyze(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("systemd-analyze " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "systemd-analyze"))) {
                return Path.of(dir, "systemd-analyze");
            }
        }
        throw new AssertionError(INSTALL_ADVICE);
    }
}
