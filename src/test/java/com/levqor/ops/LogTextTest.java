package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Request-derived text in log lines: no forged lines, no escapes passed off as text, bounded. */
class LogTextTest {
    @Test
    void lineBreaksAndControlCharactersCannotForgeALine() {
        String forged = "/x 200 0.1ms rid=a\r\n2026-01-01T00:00:00Z INFO  [main] levqor.access - GET /admin 200";
        String escaped = LogText.escape(forged);
        assertThat(escaped).doesNotContain("\r").doesNotContain("\n").contains("\\x0d\\x0a");
        assertThat(LogText.escape("a\u0085b\u2028c\u001b[31m")).isEqualTo("a\\x85b\\u2028c\\x1b[31m");
        assertThat(LogText.escape("back\\x0d")).as("a backslash is escaped too").isEqualTo("back\\x5cx0d");
    }

    @Test
    void plainTextIsKeptAsItIsAndLongTextIsCut() {
        String plain = "/api/v1/status/0193abcd-ef01-7000-8000-000000000000";
        assertThat(LogText.escape(plain)).isSameAs(plain);
        assertThat(LogText.escape(null)).isEqualTo("-");
        assertThat(LogText.escape("x".repeat(10_000))).hasSize(LogText.MAX_CHARS + 3).endsWith("...");
    }
}
