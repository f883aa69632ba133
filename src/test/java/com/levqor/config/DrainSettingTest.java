package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.levqor.testing.CliRun;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code SHUTDOWN_DRAIN_MS}: validated with the other settings; 0 turns the drain off. */
class DrainSettingTest {

    @Test
    void defaultsToFiveSecondsAndZeroMeansNoDrain() throws Exception {
        assertThat(Settings.parse(Map.of()).http().shutdownDrainMillis()).isEqualTo(5_000);
        assertThat(Settings.parse(Map.of("SHUTDOWN_DRAIN_MS", "0")).http().shutdownDrainMillis()).isZero();
        assertThat(Settings.parse(Map.of("SHUTDOWN_DRAIN_MS", "15_000")).http().shutdownDrainMillis()).isEqualTo(15_000);
    }

    @Test
    void anInvalidValueIsOneProblemAmongTheOthers() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class,
                () -> Settings.parse(Map.of("SHUTDOWN_DRAIN_MS", "-1", "PORT", "http")));
        assertThat(e.problems()).hasSize(2);
        assertThat(e.getMessage()).contains("SHUTDOWN_DRAIN_MS='-1': expected a whole number from 0 to 600000");
    }

    @Test
    void serveRefusesItWithStatusTwoBeforeOpeningAPort() {
        CliRun r = CliRun.run(Map.of("SHUTDOWN_DRAIN_MS", "soon", "PORT", "0"), "serve");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("SHUTDOWN_DRAIN_MS='soon'").contains("a whole number from 0 to 600000");
    }
}
