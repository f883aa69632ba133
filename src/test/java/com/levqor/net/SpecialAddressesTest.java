package com.levqor.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The IANA special-purpose registries, v4 and v6, and the forms that carry an IPv4 address inside IPv6. */
class SpecialAddressesTest {

    static Optional<String> kind(String literal) throws Exception {
        return SpecialAddresses.kind(InetAddress.getByName(literal));
    }

    @ParameterizedTest(name = "{0} is refused as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0.0.0.0             | unspecified
            0.1.2.3             | "this network"
            10.1.2.3            | private
            100.64.0.1          | carrier-grade NAT
            100.127.255.254     | carrier-grade NAT
            127.0.0.1           | loopback
            127.255.255.254     | loopback
            169.254.169.254     | link-local
            172.16.0.1          | private
            172.31.255.254      | private
            192.0.0.8           | IETF protocol assignment
            192.0.0.170         | IETF protocol assignment
            192.0.2.1           | documentation
            192.31.196.1        | AS112 service
            192.52.193.1        | AMT relay
            192.88.99.1         | 6to4 relay anycast
            192.168.1.1         | private
            192.175.48.1        | AS112 service
            198.18.0.1          | benchmarking
            198.19.255.254      | benchmarking
            198.51.100.7        | documentation
            203.0.113.9         | documentation
            224.0.0.1           | multicast
            239.255.255.250     | multicast
            240.0.0.1           | reserved
            255.255.255.254     | reserved
            255.255.255.255     | limited broadcast
            ::                  | unspecified
            ::1                 | loopback
            ::127.0.0.1         | IPv4-compatible
            ::8.8.8.8           | IPv4-compatible
            ::ffff:127.0.0.1    | loopback
            ::ffff:10.0.0.1     | private
            64:ff9b::7f00:1     | NAT64
            64:ff9b::808:808    | NAT64
            64:ff9b:1::a00:1    | local NAT64
            100::1              | discard-only
            100:0:0:1::1        | dummy
            2001::1             | Teredo
            2001:0:4136:e378:8000:63bf:3fff:fdd2 | Teredo
            2001:2::1           | IETF protocol assignment
            2001:10::1          | IETF protocol assignment
            2001:1ff:ffff::1    | IETF protocol assignment
            2001:db8::1         | documentation
            2002:7f00:1::1      | 6to4
            2002:808:808::1     | 6to4
            2620:4f:8000::1     | AS112 service
            3fff::1             | documentation
            5f00::1             | segment routing
            fc00::1             | unique-local
            fd12:3456::1        | unique-local
            fe80::1             | link-local
            febf::1             | link-local
            fec0::1             | site-local
            ff02::1             | multicast
            ff0e::1             | multicast
            ::ffff:0:7f00:1     | non-global address
            4000::1             | non-global address
            e000::1             | non-global address
            """)
    void refusesEverySpecialUseRange(String literal, String expectedKind) throws Exception {
        assertThat(kind(literal)).hasValueSatisfying(k -> assertThat(k).contains(expectedKind));
    }

    @ParameterizedTest(name = "{0} is public")
    @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.0", "126.255.255.255",
            "128.0.0.1", "172.15.255.255", "172.32.0.0", "192.0.1.1", "192.88.98.1", "192.169.0.1", "198.17.255.255",
            "198.20.0.1", "223.255.255.255", "2606:4700::1111", "2001:4860:4860::8888", "2001:200::1",
            "2a00:1450:4001::1", "2003::1", "3ffe::1"})
    void passesPublicAddresses(String literal) throws Exception {
        assertThat(kind(literal)).isEmpty();
    }

    @ParameterizedTest(name = "IPv4-mapped {0} is judged as its IPv4 address")
    @CsvSource({"127.0.0.1,loopback", "10.9.8.7,private", "169.254.169.254,link-local", "8.8.8.8,"})
    void ipv4MappedIpv6AddressesAreJudgedByTheirIpv4Address(String v4, String expected) throws Exception {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(InetAddress.getByName(v4).getAddress(), 0, b, 12, 4);
        // An Inet6Address object, as a dual-stack resolver may hand it out (getByName would give an Inet4Address).
        Inet6Address mapped = Inet6Address.getByAddress(null, b, -1);
        if (expected == null) {
            assertThat(SpecialAddresses.kind(mapped)).isEmpty();
        } else {
            assertThat(SpecialAddresses.kind(mapped)).hasValueSatisfying(k -> assertThat(k)
                    .startsWith(expected).contains("IPv4-mapped"));
        }
    }

    @ParameterizedTest(name = "{0} names its range {1}")
    @CsvSource({"127.0.0.1,127.0.0.0/8", "64:ff9b::7f00:1,64:ff9b::/96", "2002:7f00:1::1,2002::/16",
            "2001::1,2001::/32", "::127.0.0.1,::/96"})
    void theReasonNamesTheRange(String literal, String cidr) throws Exception {
        assertThat(kind(literal)).hasValueSatisfying(k -> assertThat(k).contains("(" + cidr + ")"));
    }
}
