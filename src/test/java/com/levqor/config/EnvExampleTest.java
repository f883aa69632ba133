package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code runbook/deploy/levqor.env.example} lists exactly the variables the code reads, each at the
 * code's default, so the file cannot drift from {@link Settings}: a new setting fails here until it
 * is listed, a removed one until it is taken out.
 */
class EnvExampleTest {
    static final Path EXAMPLE = Path.of("runbook", "deploy", "levqor.env.example");
    /** A setting's line: {@code NAME=value}, commented out ({@code #NAME=value}) to keep the default. */
    private static final Pattern SETTING = Pattern.compile("^#?([A-Z][A-Z0-9_]*)=(.*)$");
    /** A variable name handed to one of {@link Env}'s readers in the source. */
    private static final Pattern READ_IN_SOURCE = Pattern.compile(
            "env\\.(?:string|optional|secret|integer|longValue|flag|path|httpUrl|redisUrl|isSet)\\(\"([A-Z][A-Z0-9_]*)\"");

    @Test
    void listsEveryVariableTheCodeReadsAndNoOther() throws IOException {
        Set<String> read = new TreeSet<>(defaults().keySet());
        read.addAll(namesReadInSource());
        assertThat(read).as("the settings found").contains("PORT", "DATABASE_URL", "LOG_FORMAT");
        Set<String> listed = example().keySet();
        assertThat(minus(read, listed)).as("read by the code but missing from " + EXAMPLE).isEmpty();
        assertThat(minus(listed, read)).as("listed in " + EXAMPLE + " but read by no code").isEmpty();
    }

    @Test
    void showsEachVariableAtTheCodesDefault() throws IOException {
        Map<String, String> defaults = defaults();
        // Derived from the heap: the example shows it for the launcher's default heap, read from bin/levqor.
        Matcher heap = Pattern.compile("(?m)^\\s*heap=(\\d+)m$").matcher(Files.readString(Path.of("bin", "levqor")));
        assertThat(heap.find()).as("bin/levqor's default heap").isTrue();
        defaults.put("INTAKE_MAX_BYTES_IN_FLIGHT", Long.toString(HttpSettings.defaultIntakeMaxBytesInFlight(
                Long.parseLong(heap.group(1)) * 1024 * 1024, HttpSettings.DEFAULT_MAX_BODY_BYTES)));
        example().forEach((name, shown) -> {
            if (defaults.containsKey(name)) {
                assertThat(shown).as(name + "'s default in " + EXAMPLE).isEqualTo(defaults.get(name));
            }
        });
    }

    @Test
    void everyValueShownIsAValidSetting() throws Exception {
        Map<String, String> set = new LinkedHashMap<>();
        example().forEach((name, value) -> {
            if (!value.isEmpty()) {
                set.put(name, value);
            }
        });
        // Throws, naming each variable, when a value written there would stop the process.
        Settings settings = Settings.parse(set);
        assertThat(settings.ops().logFormat()).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void logFormatAcceptsTextOrJsonAndNamesAnythingElse() throws Exception {
        assertThat(Settings.parse(Map.of("LOG_FORMAT", "JSON")).ops().logFormat()).isEqualTo(LogFormat.JSON);
        assertThat(Settings.parse(Map.of()).ops().logFormat()).isEqualTo(LogFormat.TEXT);
        try {
            Settings.parse(Map.of("LOG_FORMAT", "logfmt", "PORT", "x"));
            throw new AssertionError("LOG_FORMAT=logfmt was accepted");
        } catch (InvalidSettingsException e) {
            assertThat(e.getMessage()).contains("LOG_FORMAT='logfmt': expected text or json").contains("PORT='x'");
        }
    }

    /** Every variable as an empty environment leaves it: its default, or "" when unset by default. */
    private static Map<String, String> defaults() {
        try {
            Map<String, String> m = new LinkedHashMap<>();
            for (Env.Entry e : Settings.parse(Map.of()).entries()) {
                m.put(e.name(), e.value() == null ? "" : e.value());
            }
            return m;
        } catch (InvalidSettingsException e) {
            throw new AssertionError(e);
        }
    }

    /** Names passed literally to Env's readers anywhere in the main code (also those read only in some cases). */
    private static Set<String> namesReadInSource() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = READ_IN_SOURCE.matcher(Files.readString(f));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /** The example's settings, name to value (quotes removed); a name listed twice fails. */
    private static Map<String, String> example() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(EXAMPLE);
        for (int i = 0; i < lines.size(); i++) {
            Matcher s = SETTING.matcher(lines.get(i).strip());
            if (!s.matches()) {
                continue;
            }
            String value = s.group(2).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            assertThat(m.put(s.group(1), value)).as(EXAMPLE + ":" + (i + 1) + ": " + s.group(1) + " listed twice")
                    .isNull();
        }
        return m;
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> r = new TreeSet<>(a);
        r.removeAll(b);
        return r;
    }
}
