package com.levqor.config;

import java.util.Locale;

/**
 * How {@code serve} and {@code worker} write {@code logs/app.log} and the console ({@code LOG_FORMAT}).
 * {@code logs/errors.jsonl} is JSON either way.
 */
public enum LogFormat {
    /** One line of text per event; the console (standard error) has start-up, shutdown and warnings. The default. */
    TEXT,
    /**
     * One JSON object per line, for log shippers: app.log, and standard output with every line app.log
     * has (access lines included), standard error then carries no log lines.
     */
    JSON;

    /** The value of {@code LOG_FORMAT} when it is unset. */
    public static final LogFormat DEFAULT = TEXT;

    /** The value as {@code LOG_FORMAT} spells it. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    static LogFormat parse(Env env) {
        String v = env.string("LOG_FORMAT", DEFAULT.value());
        for (LogFormat f : values()) {
            if (f.value().equalsIgnoreCase(v)) {
                return f;
            }
        }
        env.problem("LOG_FORMAT", v, "text or json");
        return DEFAULT;
    }
}
