package com.levqor.edge;

import com.levqor.config.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's IP address: the socket peer, or, when the peer is one of {@code TRUSTED_PROXIES},
 * the right-most {@code X-Forwarded-For} hop that is not itself a trusted proxy. A client cannot
 * choose its own address by sending the header directly.
 *
 * <p>What a guard counts against one client ({@link #clientKey}) is its address for IPv4 and its
 * /64 network for IPv6: one subscriber gets a whole /64, so counting single IPv6 addresses would
 * let one client spray 2^64 of them.
 */
public final class ClientIp {
    private final List<Cidr> trustedProxies;

    public ClientIp(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** The client address of a request, resolved once and kept with it. */
    public String of(EdgeRequest r) {
        String ip = r.cachedClientIp();
        if (ip == null) {
            ip = of(r.remoteAddress(), r.forwardedFor());
            r.clientIp(ip);
        }
        return ip;
    }

    /** The client address given the socket peer's address and the X-Forwarded-For header values. */
    public String of(String remoteAddr, List<String> forwardedFor) {
        String peer = normalise(remoteAddr);
        if (trustedProxies.isEmpty() || forwardedFor.isEmpty()) {
            return peer;
        }
        return resolve(peer, forwardedHops(forwardedFor));
    }

    /** The client address given the socket peer and the X-Forwarded-For hops, left to right. */
    String resolve(String peer, List<String> hops) {
        if (!trusted(peer)) {
            return peer;
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = normalise(hops.get(i));
            if (Cidr.literal(hop) == null) {
                return client; // garbage in the header: stop at the last address we could vouch for
            }
            client = hop;
            if (!trusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    /**
     * What limits and failure counts are kept by: an IPv4 address as it is, an IPv6 address as its
     * /64 ({@code 2001:db8:7:9::/64}); an IPv4 address written as IPv6 ({@code ::ffff:192.0.2.1})
     * as the IPv4 address.
     */
    public static String clientKey(String ip) {
        if (ip == null || ip.indexOf(':') < 0) {
            return ip;
        }
        byte[] a = Cidr.literal(ip);
        if (a == null) {
            return ip;
        }
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            sb.append(Integer.toHexString((a[i] & 0xff) << 8 | (a[i + 1] & 0xff))).append(':');
        }
        return sb.append(":/64").toString();
    }

    private boolean trusted(String ip) {
        for (Cidr c : trustedProxies) {
            if (c.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> forwardedHops(List<String> values) {
        List<String> hops = new ArrayList<>();
        for (String value : values) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    hops.add(part.trim());
                }
            }
        }
        return hops;
    }

    static String normalise(String ip) {
        if (ip == null) {
            return "unknown";
        }
        String s = ip.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }
}
