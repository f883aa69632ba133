package com.levqor.edge;

/** Who may call the route a request matched, as the edge guards see it. */
public enum RouteAccess {
    /** Anyone; limited per client IP unless the route is a probe or the metrics scrape. */
    PUBLIC,
    /** An API client: {@code Authorization: Bearer lvq_…} or {@code X-Api-Key}; limited per key. */
    API_KEY,
    /** The operator: {@code Authorization: Bearer $ADMIN_KEY}; not rate limited. */
    ADMIN,
    /** No route matches (a 404, a 405, a CORS preflight): only the guards of every request apply. */
    NONE
}
