package com.levqor.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The SSRF decision of outbound HTTP: which addresses of a host may be connected to. A host is
 * resolved once per connection and the connection goes to exactly the addresses this guard
 * returned ({@link Egress} does the pinning), so a DNS answer that changes between the check and
 * the connection cannot lead elsewhere. Every address of the answer must be public
 * ({@link SpecialAddresses}) unless it, or the host name itself, is listed in
 * {@code HTTP_REQUEST_ALLOWED_HOSTS}.
 */
public final class EgressGuard {
    /** The setting that allows a private target; error messages name it. */
    public static final String ALLOW_SETTING = "HTTP_REQUEST_ALLOWED_HOSTS";

    private final Set<String> allowedNames = new HashSet<>();
    private final Set<InetAddress> allowedAddresses = new HashSet<>();
    private final Resolver resolver;

    /**
     * @param allowedHosts host names and address literals that may be reached although special-use
     *                     (an address allows itself whatever name leads to it; a name allows every
     *                     address it resolves to)
     */
    public EgressGuard(Collection<String> allowedHosts, Resolver resolver) {
        this.resolver = resolver;
        for (String h : allowedHosts) {
            String n = normalize(h);
            Optional<InetAddress> literal = IpRange.literal(n);
            if (literal.isPresent()) {
                allowedAddresses.add(literal.get());
            } else if (!n.isEmpty()) {
                allowedNames.add(n);
            }
        }
    }

    /** Refuses a URL that is not absolute http(s) with a host; nothing is resolved. */
    public void checkUrl(URI uri) throws EgressRefusedException {
        if (!HttpUrls.isHttp(uri)) {
            throw new EgressRefusedException("only absolute http:// and https:// URLs with a host may be requested, not '"
                    + uri + "'");
        }
    }

    /**
     * Resolves {@code host} and returns the addresses that may be connected to: all of them, or a
     * refusal naming the first special-use one.
     */
    public List<InetAddress> admit(String host) throws EgressRefusedException {
        String h = normalize(host);
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(h);
        } catch (UnknownHostException e) {
            throw new EgressRefusedException("the host '" + host + "' does not resolve");
        }
        if (addresses.isEmpty()) {
            throw new EgressRefusedException("the host '" + host + "' does not resolve");
        }
        if (allowedNames.contains(h)) {
            return List.copyOf(addresses);
        }
        for (InetAddress a : addresses) {
            if (allowedAddresses.contains(a)) {
                continue;
            }
            Optional<String> kind = SpecialAddresses.kind(a);
            if (kind.isPresent()) {
                throw new EgressRefusedException("the host '" + host + "' resolves to " + a.getHostAddress() + ", a "
                        + kind.get() + "; list it in " + ALLOW_SETTING + " to allow it");
            }
        }
        return List.copyOf(addresses);
    }

    /** Lower case, without IPv6 brackets or the root's trailing dot. */
    static String normalize(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }
}
