package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PaymentsEmailSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        Settings s = Settings.parse(Map.of());
        assertThat(s.billing().apiBase()).isEqualTo(URI.create("https://api.stripe.com"));
        assertThat(s.billing().missing()).containsExactly("STRIPE_SECRET_KEY", "STRIPE_PRICE_PRO", "PUBLIC_BASE_URL");
        assertThat(s.email().resendApiUrl()).isEqualTo(URI.create("https://api.resend.com"));
        assertThat(s.email().configured()).isFalse();
        assertThat(s.email().supportEmail()).isEqualTo("support@levqor.com");
        assertThat(s.email().maxAttempts()).isEqualTo(10);
        assertThat(s.email().maxPerMinute()).isEqualTo(100);
        assertThat(s.email().alertOnDlq()).isFalse();
        assertThat(s.connectors().openMillis()).isEqualTo(30_000);
        // Ten attempts with the default backoff span about a day: 5 min doubling, capped at 6 h.
        long total = 0;
        for (int attempt = 1; attempt < s.email().maxAttempts(); attempt++) {
            total += Math.min(s.email().retryBaseMillis() << (attempt - 1), s.email().retryMaxMillis());
        }
        assertThat(total / 3_600_000.0).isBetween(18.0, 30.0);
    }

    @Test
    void everyProblemIsNamedAndSecretsAreMasked() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class, () -> Settings.parse(Map.of(
                "RESEND_API_KEY", "re_secret_value_123",
                "ADMIN_EMAIL", "not-an-address",
                "STRIPE_API_BASE", "ftp://x",
                "EMAIL_MAX_ATTEMPTS", "0",
                "STRIPE_PRICE_PRO", "price with spaces")));
        assertThat(e.getMessage()).contains("EMAIL_FROM=(unset): expected a sender address")
                .contains("ADMIN_EMAIL='not-an-address'")
                .contains("STRIPE_API_BASE='ftp://x'")
                .contains("EMAIL_MAX_ATTEMPTS='0'")
                .contains("STRIPE_PRICE_PRO='price with spaces'")
                .doesNotContain("re_secret_value_123");
    }

    @Test
    void secretsAreNeverShownByFlags() throws Exception {
        Settings s = Settings.parse(Map.of("STRIPE_SECRET_KEY", "sk_live_abcdefghijklmnop",
                "RESEND_API_KEY", "re_abcdefghijklmnop", "EMAIL_FROM", "a@example.com"));
        assertThat(s.entries()).filteredOn(en -> en.name().equals("STRIPE_SECRET_KEY") || en.name().equals("RESEND_API_KEY"))
                .hasSize(2).allSatisfy(en -> {
                    assertThat(en.secret()).isTrue();
                    assertThat(en.shown()).doesNotContain("abcdefghijkl");
                });
        assertThat(s.billing().toString()).doesNotContain("sk_live");
        assertThat(s.email().toString()).doesNotContain("re_abc");
    }
}
