package com.levqor.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Address ranges (the special-use table, TRUSTED_PROXIES, ABUSE_EXEMPT_CIDRS) and IP literals without lookups. */
class IpRangeTest {
    @Test
    void matchesByPrefixWithinOneFamily() throws Exception {
        IpRange v4 = IpRange.parse("100.64.0.0/10");
        assertThat(v4.contains(InetAddress.getByName("100.127.255.255"))).isTrue();
        assertThat(v4.contains(InetAddress.getByName("100.128.0.0"))).isFalse();
        IpRange v6 = IpRange.parse("fc00::/7");
        assertThat(v6.contains(InetAddress.getByName("fdff::1"))).isTrue();
        assertThat(v6.contains(InetAddress.getByName("fe00::1"))).isFalse();
        assertThat(v6.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(IpRange.parse("192.0.2.7").contains(InetAddress.getByName("192.0.2.7"))).isTrue();
        assertThat(IpRange.parse("2002::/16")).hasToString("2002::/16");
    }

    @Test
    void literalsAreParsedWithoutALookupAndNamesAreNotLiterals() {
        assertThat(IpRange.literal("127.0.0.1")).isPresent();
        assertThat(IpRange.literal("::1")).isPresent();
        assertThat(IpRange.literal("64:ff9b::7f00:1")).isPresent();
        // The JVM would send these to DNS as names: they are not literals.
        assertThat(IpRange.literal("999.1.1.1")).isEmpty();
        assertThat(IpRange.literal("1.2.3")).isEmpty();
        assertThat(IpRange.literal("fe80::zz")).isEmpty();
        assertThat(IpRange.literal("example.com")).isEmpty();
        assertThat(IpRange.literal("[::1]")).isEmpty();
    }

    @Test
    void refusesWhatIsNotARange() {
        for (String bad : new String[] {"10.0.0.0/33", "::/129", "10.0.0.0/x", "example.com/8", ""}) {
            assertThatThrownBy(() -> IpRange.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
