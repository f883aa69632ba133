package com.levqor.jobs.workflows;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Outbound HTTP of jobs and callbacks, with the SSRF guard: a target whose name resolves to a
 * loopback, private, link-local, carrier-grade NAT, unique-local, multicast or unspecified address is
 * refused unless its host name or address is listed in {@code HTTP_REQUEST_ALLOWED_HOSTS}. Redirects
 * are not followed (a redirect could lead past the guard).
 */
public final class Egress {
    /** Thrown when a target is refused; the message says why and what to set. */
    public static final class RefusedException extends Exception {
        public RefusedException(String message) {
            super(message);
        }
    }

    private final Set<String> allowed;
    private final HttpClient client;

    public Egress(List<String> allowedHosts) {
        this.allowed = Set.copyOf(allowedHosts);
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public HttpClient client() {
        return client;
    }

    /** Checks a target URL; throws naming the host and the address class when refused. */
    public void check(URI uri) throws RefusedException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new RefusedException("only http and https URLs may be requested, not '" + uri + "'");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new RefusedException("the URL '" + uri + "' has no host");
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (allowed.contains(h)) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(h);
        } catch (UnknownHostException e) {
            throw new RefusedException("the host '" + host + "' does not resolve");
        }
        for (InetAddress a : addresses) {
            if (allowed.contains(a.getHostAddress())) {
                continue;
            }
            String why = privateKind(a);
            if (why != null) {
                throw new RefusedException("the host '" + host + "' resolves to " + a.getHostAddress() + ", a " + why
                        + " address; list it in HTTP_REQUEST_ALLOWED_HOSTS to allow it");
            }
        }
    }

    /** Why an address is not public, or null when it is. */
    static String privateKind(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            if (b0 == 100 && b1 >= 64 && b1 <= 127) {
                return "carrier-grade NAT";
            }
            if (b0 == 0 || b0 >= 240 || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) || (b0 == 198 && (b1 == 18 || b1 == 19))) {
                return "reserved";
            }
        } else if (a instanceof Inet6Address) {
            int b0 = b[0] & 0xff;
            if ((b0 & 0xfe) == 0xfc) {
                return "unique-local";
            }
            // IPv4-mapped (::ffff:a.b.c.d): judge the IPv4 address inside.
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return privateKind(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return "malformed";
                }
            }
        }
        return null;
    }
}
