package com.levqor.config;

import java.net.InetAddress;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 address range like {@code 10.0.0.0/8}; a bare address is a range of one. */
public final class Cidr {
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /** Parses {@code addr} or {@code addr/bits}; throws IllegalArgumentException when it is neither. */
    public static Cidr parse(String s) {
        String[] parts = s.trim().split("/", 2);
        byte[] addr = literal(parts[0]);
        if (addr == null) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
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
        return new Cidr(addr, bits, parts[0] + "/" + bits);
    }

    /** The bytes of an IP literal, never a DNS lookup; null when the text is not one. */
    public static byte[] literal(String s) {
        if (s == null || s.isEmpty() || !LITERAL.matcher(s).matches()) {
            return null;
        }
        if (s.indexOf(':') < 0 && s.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (Exception e) {
            return null;
        }
    }

    /** True when the address (an IP literal) lies in this range. */
    public boolean contains(String address) {
        byte[] a = literal(address);
        if (a == null) {
            return false;
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
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
