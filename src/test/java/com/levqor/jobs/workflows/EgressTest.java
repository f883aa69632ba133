package com.levqor.jobs.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SSRF guard of http.request and callbacks. */
class EgressTest {
    static String kind(String literal) throws Exception {
        return Egress.privateKind(InetAddress.getByName(literal));
    }

    @Test
    void privateLoopbackLinkLocalAndSimilarAddressesAreNotPublic() throws Exception {
        assertThat(kind("127.0.0.1")).isEqualTo("loopback");
        assertThat(kind("10.1.2.3")).isEqualTo("private");
        assertThat(kind("172.16.0.1")).isEqualTo("private");
        assertThat(kind("192.168.1.1")).isEqualTo("private");
        assertThat(kind("169.254.169.254")).isEqualTo("link-local");
        assertThat(kind("100.64.0.1")).isEqualTo("carrier-grade NAT");
        assertThat(kind("0.0.0.0")).isEqualTo("unspecified");
        assertThat(kind("::1")).isEqualTo("loopback");
        assertThat(kind("fd00::1")).isEqualTo("unique-local");
        assertThat(kind("fe80::1")).isEqualTo("link-local");
        assertThat(kind("93.184.216.34")).isNull();
        assertThat(kind("2606:4700::1111")).isNull();
    }

    @Test
    void refusesPrivateTargetsUnlessAllowListedAndNonHttpSchemes() throws Exception {
        Egress none = new Egress(List.of());
        assertThatThrownBy(() -> none.check(URI.create("http://127.0.0.1:8080/x")))
                .hasMessageContaining("loopback").hasMessageContaining("HTTP_REQUEST_ALLOWED_HOSTS");
        assertThatThrownBy(() -> none.check(URI.create("http://[::ffff:10.0.0.1]/x"))).hasMessageContaining("private");
        assertThatThrownBy(() -> none.check(URI.create("file:///etc/passwd"))).hasMessageContaining("http");
        Egress allowed = new Egress(List.of("127.0.0.1", "internal.example"));
        allowed.check(URI.create("http://127.0.0.1:8080/x"));
        allowed.check(URI.create("http://internal.example/x"));
        assertThatThrownBy(() -> allowed.check(URI.create("http://10.0.0.5/x"))).hasMessageContaining("private");
    }
}
