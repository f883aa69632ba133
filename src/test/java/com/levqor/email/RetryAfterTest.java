package com.levqor.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    final Instant now = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void secondsAndHttpDatesAreRead() {
        assertThat(ResendMailer.retryAfter("7", now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(ResendMailer.retryAfter("Sun, 01 Mar 2026 10:00:30 GMT", now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(ResendMailer.retryAfter("Sun, 01 Mar 2026 09:00:00 GMT", now)).isEqualTo(Duration.ZERO);
    }

    @Test
    void absentOrUnreadableIsNull() {
        assertThat(ResendMailer.retryAfter(null, now)).isNull();
        assertThat(ResendMailer.retryAfter("soon", now)).isNull();
    }
}
