package com.levqor.config;

import com.levqor.net.IpRange;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address range like {@code 10.0.0.0/8} as the settings name them
 * ({@code TRUSTED_PROXIES}, {@code ABUSE_EXEMPT_CIDRS}); a bare address is a range of one. The
 * matching is {@link IpRange}'s, shared with the egress guard.
 */
public final class Cidr {
    private final IpRange range;

    private Cidr(IpRange range) {
        this.range = range;
    }

    /** Parses {@code addr} or {@code addr/bits}; throws IllegalArgumentException when it is neither. */
    public static Cidr parse(String s) {
        return new Cidr(IpRange.parse(s));
    }

    /** The bytes of an IP literal, never a DNS lookup; null when the text is not one. */
    public static byte[] literal(String s) {
        return IpRange.literal(s).map(InetAddress::getAddress).orElse(null);
    }

    /** True when the address (an IP literal) lies in this range. */
    public boolean contains(String address) {
        return IpRange.literal(address).map(range::contains).orElse(false);
    }

    @Override
    public String toString() {
        return range.toString();
    }
}
