package com.levqor.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The addresses outbound HTTP must not reach unless allow-listed: every range of the IANA IPv4 and
 * IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), multicast and the reserved
 * 240/4, and, for IPv6, anything outside the global unicast space 2000::/3. Ranges that carry an IPv4
 * address inside an IPv6 one (NAT64, 6to4, Teredo, IPv4-compatible) are refused outright: a gateway
 * may turn them into any IPv4 address, private ones included. IPv4-mapped addresses
 * ({@code ::ffff:a.b.c.d}) are the IPv4 address itself on a dual-stack socket, so that address is
 * judged.
 */
public final class SpecialAddresses {
    /** One registry row: a range and why it is refused. */
    private record Range(IpRange range, String kind) {
    }

    // Most specific first: the first match names the address.
    private static final List<Range> V4 = List.of(
            range("0.0.0.0/32", "unspecified"),
            range("0.0.0.0/8", "\"this network\""),
            range("10.0.0.0/8", "private"),
            range("100.64.0.0/10", "carrier-grade NAT"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local"),
            range("172.16.0.0/12", "private"),
            range("192.0.0.0/24", "IETF protocol assignment"),
            range("192.0.2.0/24", "documentation"),
            range("192.31.196.0/24", "AS112 service"),
            range("192.52.193.0/24", "AMT relay"),
            range("192.88.99.0/24", "6to4 relay anycast"),
            range("192.168.0.0/16", "private"),
            range("192.175.48.0/24", "AS112 service"),
            range("198.18.0.0/15", "benchmarking"),
            range("198.51.100.0/24", "documentation"),
            range("203.0.113.0/24", "documentation"),
            range("224.0.0.0/4", "multicast"),
            range("255.255.255.255/32", "limited broadcast"),
            range("240.0.0.0/4", "reserved"));

    private static final List<Range> V6 = List.of(
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("::/96", "IPv4-compatible"),
            range("64:ff9b::/96", "NAT64"),
            range("64:ff9b:1::/48", "local NAT64"),
            range("100::/64", "discard-only"),
            range("100:0:0:1::/64", "dummy"),
            range("2001::/32", "Teredo"),
            range("2001::/23", "IETF protocol assignment"),
            range("2001:db8::/32", "documentation"),
            range("2002::/16", "6to4"),
            range("2620:4f:8000::/48", "AS112 service"),
            range("3fff::/20", "documentation"),
            range("5f00::/16", "segment routing"),
            range("fc00::/7", "unique-local"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "site-local"),
            range("ff00::/8", "multicast"));

    private static final IpRange GLOBAL_UNICAST = IpRange.parse("2000::/3");

    private SpecialAddresses() {
    }

    /**
     * Why {@code address} is not a public destination, as {@code "<kind> address (<range>)"}, or empty
     * when it is one.
     */
    public static Optional<String> kind(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16 && isMapped(b)) {
            byte[] v4 = {b[12], b[13], b[14], b[15]};
            return first(V4, v4).map(k -> k + " inside an IPv4-mapped address");
        }
        List<Range> table = address instanceof Inet4Address ? V4 : V6;
        Optional<String> named = first(table, b);
        if (named.isPresent() || b.length == 4) {
            return named;
        }
        return GLOBAL_UNICAST.contains(b) ? Optional.empty()
                : Optional.of("non-global address (outside the global unicast space " + GLOBAL_UNICAST + ")");
    }

    private static Optional<String> first(List<Range> table, byte[] b) {
        for (Range r : table) {
            if (r.range().contains(b)) {
                return Optional.of(r.kind() + " address (" + r.range() + ")");
            }
        }
        return Optional.empty();
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    private static Range range(String cidr, String kind) {
        return new Range(IpRange.parse(cidr), kind);
    }
}
