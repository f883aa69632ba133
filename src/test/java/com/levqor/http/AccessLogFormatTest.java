package com.levqor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.MessageFormatter;

class AccessLogFormatTest {
    @Test
    void durationsAreWrittenAsStringFormatWouldWithTwoDecimals() {
        for (float ms : new float[] {0f, 0.004f, 0.005f, 0.07f, 1.5f, 12.345f, 999.999f, 123456.78f}) {
            assertThat(RequestObserver.twoDecimals(ms)).isEqualTo(String.format(Locale.ROOT, "%.2f", (double) Math.round(ms * 100.0) / 100));
        }
        assertThat(RequestObserver.twoDecimals(1.5f)).isEqualTo("1.50");
        assertThat(RequestObserver.twoDecimals(0.07f)).isEqualTo("0.07");
        assertThat(RequestObserver.twoDecimals(12.345f)).isIn("12.34", "12.35");
    }

    @Test
    void accessLinesReadAsTheLoggerWouldFormatThem() {
        String[][] cases = {{"GET", "/ops/uptime", "rid-1"}, {"POST", "/api/v1/intake", "0193-abc"},
                {"GET", "/a/{}/b", "{}"}, {"DELETE", "/ops/keys/lvq_Ab12Cd34", "x"}};
        for (String[] c : cases) {
            for (int status : new int[] {200, 404, 503}) {
                String expected = MessageFormatter.arrayFormat("{} {} {} {}ms rid={}",
                        new Object[] {c[0], c[1], status, RequestObserver.twoDecimals(1.234f), c[2]}).getMessage();
                assertThat(RequestObserver.accessLine(c[0], c[1], status, 1.234f, c[2])).isEqualTo(expected);
            }
        }
    }
}
