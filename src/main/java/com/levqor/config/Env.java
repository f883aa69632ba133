package com.levqor.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads environment variables once, collecting every problem instead of stopping at the first,
 * and remembering each value read so {@code levqor flags} can show the effective configuration
 * (secrets masked).
 */
public final class Env {

    /** One setting as the process sees it. */
    public record Entry(String name, String value, boolean fromEnvironment, boolean secret) {
        /** The value as it may be printed: a secret shows only that it is set, not one character of it. */
        public String shown() {
            if (value == null) {
                return "(unset)";
            }
            return secret ? "(set, hidden)" : value;
        }
    }

    private final Map<String, String> vars;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    private Optional<String> raw(String name) {
        String v = vars.get(name);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(v.trim());
    }

    private void remember(String name, String value, boolean fromEnv, boolean secret) {
        entries.put(name, new Entry(name, value, fromEnv, secret));
    }

    /** Records a problem with a variable: its name, the bad value and what is expected. */
    public void problem(String name, String badValue, String expected) {
        String p = name + "=" + quote(badValue) + ": expected " + expected;
        if (!problems.contains(p)) { // a variable read by two parts is reported once
            problems.add(p);
        }
    }

    private static String quote(String v) {
        return v == null ? "(unset)" : "'" + v + "'";
    }

    public boolean isSet(String name) {
        return raw(name).isPresent();
    }

    public String string(String name, String defaultValue) {
        Optional<String> v = raw(name);
        remember(name, v.orElse(defaultValue), v.isPresent(), false);
        return v.orElse(defaultValue);
    }

    public Optional<String> optional(String name) {
        Optional<String> v = raw(name);
        remember(name, v.orElse(null), v.isPresent(), false);
        return v;
    }

    /** A secret: read like any value, never printed. */
    public Optional<String> secret(String name) {
        Optional<String> v = raw(name);
        remember(name, v.orElse(null), v.isPresent(), true);
        return v;
    }

    public int integer(String name, int defaultValue, int min, int max) {
        return (int) longValue(name, defaultValue, min, max);
    }

    public long longValue(String name, long defaultValue, long min, long max) {
        Optional<String> v = raw(name);
        remember(name, v.orElse(Long.toString(defaultValue)), v.isPresent(), false);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(v.get().replace("_", ""));
            if (parsed < min || parsed > max) {
                problem(name, v.get(), "a whole number from " + min + " to " + max);
                return defaultValue;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(name, v.get(), "a whole number from " + min + " to " + max);
            return defaultValue;
        }
    }

    /** A true/false switch; accepts true/false, 1/0, yes/no, on/off in any case. */
    public boolean flag(String name, boolean defaultValue) {
        Optional<String> v = raw(name);
        remember(name, v.orElse(Boolean.toString(defaultValue)), v.isPresent(), false);
        if (v.isEmpty()) {
            return defaultValue;
        }
        switch (v.get().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                problem(name, v.get(), "true or false");
                return defaultValue;
        }
    }

    public Path path(String name, String defaultValue) {
        String v = string(name, defaultValue);
        try {
            return Path.of(v);
        } catch (RuntimeException e) {
            problem(name, v, "a file system path");
            return Path.of(defaultValue);
        }
    }

    /** An absolute http(s) URL, or empty when unset. */
    public Optional<URI> httpUrl(String name, boolean secret) {
        Optional<String> v = secret ? secret(name) : optional(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(v.get());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                problem(name, secret ? "****" : v.get(), "an absolute http:// or https:// URL");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (Exception e) {
            problem(name, secret ? "****" : v.get(), "an absolute http:// or https:// URL");
            return Optional.empty();
        }
    }

    /** A Redis URL ({@code redis://[user:password@]host:port[/db]} or {@code rediss://…}), or empty when unset. */
    public Optional<URI> redisUrl(String name) {
        Optional<String> v = secret(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(v.get());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("redis") || scheme.equals("rediss")) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return Optional.of(uri);
        } catch (Exception e) {
            problem(name, "****", "redis://[user:password@]host:port[/db] or rediss://…");
            return Optional.empty();
        }
    }

    public List<String> problems() {
        return Collections.unmodifiableList(problems);
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }
}
