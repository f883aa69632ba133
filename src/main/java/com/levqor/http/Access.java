package com.levqor.http;

import io.javalin.security.RouteRole;

/** Who may call a route; every route in the table names one. */
public enum Access implements RouteRole {
    /** Anyone. */
    PUBLIC,
    /** An API client: {@code Authorization: Bearer lvq_…} or {@code X-Api-Key}. */
    API_KEY,
    /** The operator: {@code Authorization: Bearer $ADMIN_KEY}. */
    ADMIN
}
