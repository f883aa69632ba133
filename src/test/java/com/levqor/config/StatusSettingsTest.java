package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        StatusSettings s = Settings.parse(Map.of()).status();
        assertThat(s.enabled()).isTrue();
        assertThat(s.title()).isEqualTo("Levqor Status");
        assertThat(s.sampleSeconds()).isEqualTo(60);
    }

    @Test
    void valuesAreRead() throws Exception {
        StatusSettings s = Settings.parse(Map.of("STATUS_PAGE_ENABLED", "off", "STATUS_PAGE_TITLE", "Acme Status",
                "STATUS_SAMPLE_SECONDS", "30")).status();
        assertThat(s.enabled()).isFalse();
        assertThat(s.title()).isEqualTo("Acme Status");
        assertThat(s.sampleSeconds()).isEqualTo(30);
    }

    @Test
    void everyBadValueIsNamed() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class, () -> Settings.parse(Map.of(
                "STATUS_PAGE_ENABLED", "maybe",
                "STATUS_PAGE_TITLE", "x".repeat(101),
                "STATUS_SAMPLE_SECONDS", "0")));
        assertThat(e.getMessage()).contains("STATUS_PAGE_ENABLED='maybe': expected true or false")
                .contains("STATUS_PAGE_TITLE=").contains("at most 100 characters")
                .contains("STATUS_SAMPLE_SECONDS='0': expected a whole number from 1 to 86400");
    }
}
