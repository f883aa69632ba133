package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QueueSettingsTest {
    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        QueueSettings q = Settings.parse(Map.of()).queue();
        assertThat(Settings.parse(Map.of()).redis().url()).isEmpty();
        assertThat(q.maxPayloadBytes()).isEqualTo(200 * 1024);
        assertThat(q.budgetFreeUnits()).isEqualTo(1_000);
        assertThat(q.budgetProUnits()).isEqualTo(100_000);
        assertThat(q.defaultMaxAttempts()).isEqualTo(3);
        assertThat(q.httpAllowedHosts()).isEmpty();
        assertThat(q.callbackSenders()).isEqualTo(4);
        assertThat(q.callbackTimeoutSeconds()).isEqualTo(10);
    }

    @Test
    void everyInvalidQueueSettingIsReportedByName() {
        assertThatThrownBy(() -> Settings.parse(Map.of(
                "REDIS_URL", "http://localhost:6379",
                "WORKER_CONCURRENCY", "-1",
                "MAX_PAYLOAD_BYTES", "lots",
                "BUDGET_FREE_UNITS_PER_DAY", "-5",
                "CALLBACK_SIGNING_SECRET", "short",
                "CALLBACK_SENDERS", "0",
                "CALLBACK_TIMEOUT_SECONDS", "forever")))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("REDIS_URL").hasMessageContaining("WORKER_CONCURRENCY")
                .hasMessageContaining("MAX_PAYLOAD_BYTES").hasMessageContaining("BUDGET_FREE_UNITS_PER_DAY")
                .hasMessageContaining("CALLBACK_SIGNING_SECRET").hasMessageContaining("CALLBACK_SENDERS")
                .hasMessageContaining("CALLBACK_TIMEOUT_SECONDS")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short"));
    }

    @Test
    void allowListAndRedisUrlAreParsed() throws Exception {
        Settings s = Settings.parse(Map.of("REDIS_URL", "redis://:pw@cache.internal:6380/2",
                "HTTP_REQUEST_ALLOWED_HOSTS", " 127.0.0.1, Internal.Example ,"));
        QueueSettings q = s.queue();
        assertThat(s.redis().url()).isPresent();
        assertThat(s.redis().url().get().getPort()).isEqualTo(6380);
        assertThat(q.httpAllowedHosts()).containsExactly("127.0.0.1", "internal.example");
    }
}
