package com.levqor.http.filters;

import com.levqor.config.Cidr;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The client's IP address: the socket peer, or, when the peer is one of {@code TRUSTED_PROXIES},
 * the right-most {@code X-Forwarded-For} hop that is not itself a trusted proxy. A client cannot
 * choose its own address by sending the header directly.
 */
public final class ClientIp {
    private static final String ATTRIBUTE = "levqor.client_ip";

    private final List<Cidr> trustedProxies;

    public ClientIp(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    public String of(Context ctx) {
        String cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            return cached;
        }
        Enumeration<String> values = ctx.req().getHeaders("X-Forwarded-For");
        String ip = of(ctx.req().getRemoteAddr(), values == null ? List.of() : Collections.list(values));
        ctx.attribute(ATTRIBUTE, ip);
        return ip;
    }

    /** The client address given the socket peer's address and the X-Forwarded-For header values. */
    public String of(String remoteAddr, List<String> forwardedFor) {
        return resolve(normalise(remoteAddr), forwardedHops(forwardedFor));
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
