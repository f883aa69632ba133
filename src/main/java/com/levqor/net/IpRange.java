package com.levqor.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 address range like {@code 10.0.0.0/8}; a bare address is a range of one. */
public final class IpRange {
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final byte[] network;
    private final int bits;
    private final String text;

    private IpRange(byte[] network, int bits, String text) {
        this.network = network;
        this.bits = bits;
        this.text = text;
    }

    /** Parses {@code addr} or {@code addr/bits}; throws IllegalArgumentException when it is neither. */
    public static IpRange parse(String s) {
        String[] parts = s.trim().split("/", 2);
        byte[] addr = literal(parts[0]).map(InetAddress::getAddress)
                .orElseThrow(() -> new IllegalArgumentException("not an IP address: " + s));
        int bits = addr.length * 8;
        if (parts.length == 2) {
            try {
                bits = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length: " + s);
            }
            if (bits < 0 || bits > addr.length * 8) {
                throw new IllegalArgumentException("bad prefix length: " + s);
            }
        }
        return new IpRange(addr, bits, parts[0] + "/" + bits);
    }

    /**
     * The address when {@code s} is an IP literal (IPv4 dotted quad, or IPv6 without brackets),
     * else empty. Never a DNS lookup (the JVM would look up {@code 999.1.1.1} as a name).
     */
    public static Optional<InetAddress> literal(String s) {
        if (s == null || s.isEmpty() || !LITERAL.matcher(s).matches()) {
            return Optional.empty();
        }
        try {
            if (s.indexOf(':') >= 0) {
                return Optional.of(InetAddress.getByName("[" + s + "]")); // brackets: IPv6 or nothing, no lookup
            }
            if (DOTTED_QUAD.matcher(s).matches()) {
                for (String octet : s.split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        return Optional.empty();
                    }
                }
                return Optional.of(InetAddress.getByName(s));
            }
        } catch (UnknownHostException e) {
            // not a literal after all
        }
        return Optional.empty();
    }

    /** True when the address lies in this range (an IPv4 address is never in an IPv6 range, nor the reverse). */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** True when the address bytes (4 or 16) lie in this range. */
    public boolean contains(byte[] a) {
        if (a.length != network.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
