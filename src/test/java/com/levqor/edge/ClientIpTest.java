package com.levqor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.config.Cidr;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientIpTest {
    private final ClientIp behindProxies = new ClientIp(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128")));
    private final ClientIp direct = new ClientIp(List.of());

    @Test
    void untrustedPeersAreTheClientWhateverTheyForward() {
        assertThat(direct.resolve("198.51.100.4", List.of("203.0.113.9"))).isEqualTo("198.51.100.4");
        assertThat(behindProxies.resolve("198.51.100.4", List.of("203.0.113.9"))).isEqualTo("198.51.100.4");
    }

    @Test
    void theRightMostUntrustedHopBehindTrustedProxiesIsTheClient() {
        assertThat(behindProxies.resolve("10.1.2.3", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(behindProxies.resolve("10.1.2.3", List.of("192.0.2.66", "203.0.113.9", "10.9.9.9")))
                .isEqualTo("203.0.113.9");
        assertThat(behindProxies.resolve("0:0:0:0:0:0:0:1", List.of("2001:db8::7"))).isEqualTo("2001:db8::7");
        // Only trusted hops: the left-most one is as far as we can see.
        assertThat(behindProxies.resolve("10.1.2.3", List.of("10.4.4.4"))).isEqualTo("10.4.4.4");
        // Garbage stops the walk at the last address we could vouch for.
        assertThat(behindProxies.resolve("10.1.2.3", List.of("203.0.113.9", "not-an-ip"))).isEqualTo("10.1.2.3");
        assertThat(behindProxies.resolve("10.1.2.3", List.of())).isEqualTo("10.1.2.3");
    }

    @Test
    void cidrsMatchByPrefixAndNeverResolveNames() {
        Cidr v4 = Cidr.parse("192.168.0.0/23");
        assertThat(v4.contains("192.168.1.200")).isTrue();
        assertThat(v4.contains("192.168.2.1")).isFalse();
        assertThat(v4.contains("localhost")).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db8:ffff::1")).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains("192.168.1.1")).isFalse();
        assertThat(Cidr.parse("127.0.0.1").contains("127.0.0.1")).isTrue();
        for (String bad : new String[] {"10.0.0.0/33", "example.com", "10.0.0", "10.0.0.0/x", ""}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void ipv6ClientsAreCountedPer64AndIpv4OnesPerAddress() {
        assertThat(ClientIp.clientKey("2001:db8:7:9::1")).isEqualTo("2001:db8:7:9::/64");
        assertThat(ClientIp.clientKey("2001:db8:7:9:ffff:1:2:3")).isEqualTo("2001:db8:7:9::/64");
        assertThat(ClientIp.clientKey("2001:db8:7:a::1")).isEqualTo("2001:db8:7:a::/64");
        assertThat(ClientIp.clientKey("0:0:0:0:0:0:0:1")).isEqualTo("0:0:0:0::/64");
        assertThat(ClientIp.clientKey("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(ClientIp.clientKey("192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(ClientIp.clientKey("unknown")).isEqualTo("unknown");
    }
}
