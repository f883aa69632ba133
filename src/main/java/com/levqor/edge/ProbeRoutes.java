package com.levqor.edge;

import java.util.Set;

/**
 * The routes orchestrators and load balancers poll: {@code /livez} and {@code /readyz}. Never rate
 * limited (like {@code /ops/uptime}) and, unlike it, never refused to a blocked client: the node or
 * load balancer that probes often shares its address with the traffic it forwards (SNAT, a proxy not
 * in TRUSTED_PROXIES), and a block that failed its probes would restart or unlist a healthy
 * instance for every client. They answer health only, take no credentials and reveal nothing.
 */
public final class ProbeRoutes {
    public static final Set<String> ROUTES = Set.of("/livez", "/readyz");

    private ProbeRoutes() {
    }

    /** Whether a route (its template, or the path of an unmatched request) is a probe. */
    public static boolean is(String route) {
        return ROUTES.contains(route);
    }
}
