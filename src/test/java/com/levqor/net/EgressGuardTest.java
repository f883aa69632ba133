package com.levqor.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which addresses of a host outbound HTTP may reach, and how HTTP_REQUEST_ALLOWED_HOSTS changes that. */
class EgressGuardTest {
    /** A DNS of fixed answers; address literals are parsed as the JVM does. */
    static Resolver dns(Map<String, List<String>> answers) {
        return host -> {
            List<String> a = answers.get(host);
            if (a == null) {
                if (Character.isDigit(host.charAt(0)) || host.contains(":")) {
                    return Resolver.SYSTEM.resolve(host);
                }
                throw new UnknownHostException(host);
            }
            java.util.ArrayList<InetAddress> out = new java.util.ArrayList<>();
            for (String s : a) {
                out.add(InetAddress.getByName(s));
            }
            return out;
        };
    }

    static final Resolver DNS = dns(Map.of(
            "public.test", List.of("93.184.216.34"),
            "internal.example", List.of("10.0.0.5"),
            "mixed.test", List.of("93.184.216.34", "10.0.0.1"),
            "nat64.test", List.of("64:ff9b::a9fe:a9fe")));

    @Test
    void refusesSpecialUseAddressesNamingTheAddressTheRangeAndTheSetting() {
        EgressGuard guard = new EgressGuard(List.of(), DNS);
        assertThatThrownBy(() -> guard.admit("127.0.0.1"))
                .isInstanceOf(EgressRefusedException.class)
                .hasMessageContaining("127.0.0.1").hasMessageContaining("loopback")
                .hasMessageContaining("HTTP_REQUEST_ALLOWED_HOSTS");
        assertThatThrownBy(() -> guard.admit("internal.example")).hasMessageContaining("10.0.0.5, a private address");
        assertThatThrownBy(() -> guard.admit("nat64.test")).hasMessageContaining("NAT64");
        assertThatThrownBy(() -> guard.admit("[::ffff:10.0.0.1]")).hasMessageContaining("private");
    }

    @Test
    void anAnswerWithOnePrivateAddressAmongPublicOnesIsRefused() {
        EgressGuard guard = new EgressGuard(List.of(), DNS);
        assertThatThrownBy(() -> guard.admit("mixed.test")).hasMessageContaining("10.0.0.1");
    }

    @Test
    void publicHostsAreAdmittedWithTheAddressesThatWereChecked() throws Exception {
        EgressGuard guard = new EgressGuard(List.of(), DNS);
        assertThat(guard.admit("public.test")).containsExactly(InetAddress.getByName("93.184.216.34"));
        assertThat(guard.admit("Public.Test.")).containsExactly(InetAddress.getByName("93.184.216.34"));
    }

    @Test
    void anAllowListedAddressIsAdmittedWhateverNameLeadsToItAndIpv6IsCompared() throws Exception {
        EgressGuard guard = new EgressGuard(List.of("127.0.0.1", "0:0:0:0:0:0:0:1"),
                dns(Map.of("alias.test", List.of("127.0.0.1"), "other.test", List.of("127.0.0.2"))));
        assertThat(guard.admit("127.0.0.1")).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(guard.admit("alias.test")).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(guard.admit("[::1]")).containsExactly(InetAddress.getByName("::1"));
        assertThatThrownBy(() -> guard.admit("other.test")).hasMessageContaining("127.0.0.2");
    }

    @Test
    void anAllowListedNameAdmitsEveryAddressItResolvesTo() throws Exception {
        EgressGuard guard = new EgressGuard(List.of(" Internal.Example. "), DNS);
        assertThat(guard.admit("internal.example")).containsExactly(InetAddress.getByName("10.0.0.5"));
        assertThatThrownBy(() -> guard.admit("10.0.0.5")).hasMessageContaining("private");
    }

    @Test
    void hostsThatDoNotResolveAndUrlsThatAreNotHttpAreRefused() {
        EgressGuard guard = new EgressGuard(List.of(), DNS);
        assertThatThrownBy(() -> guard.admit("nowhere.test")).hasMessageContaining("does not resolve");
        assertThatThrownBy(() -> guard.checkUrl(URI.create("file:///etc/passwd"))).hasMessageContaining("http");
        assertThatThrownBy(() -> guard.checkUrl(URI.create("gopher://example.com/"))).hasMessageContaining("http");
        assertThatThrownBy(() -> guard.checkUrl(URI.create("http:///no-host"))).hasMessageContaining("host");
    }

    @Test
    void allowListEntriesThatAreNotAddressesAreNamesAndNeverLookedUp() throws Exception {
        // 999.1.1.1 is no address: taken as a name (the JVM would have sent it to DNS).
        EgressGuard guard = new EgressGuard(List.of("999.1.1.1"), dns(Map.of("999.1.1.1", List.of("10.1.1.1"))));
        assertThat(guard.admit("999.1.1.1")).containsExactly(InetAddress.getByName("10.1.1.1"));
    }
}
