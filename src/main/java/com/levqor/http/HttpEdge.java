package com.levqor.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.api.JsonBody;
import com.levqor.edge.EdgeChain;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.Metrics;

/**
 * What the two HTTP adapters share: the {@link EdgeChain}, the security-header fields, the request
 * observer (metrics and access log) and the bound on intake bytes in flight. The Javalin filters
 * are built from it by {@link HttpServer}; the direct routes by {@link #direct}.
 */
public final class HttpEdge {
    private final EdgeChain chain;
    private final SecurityHeaderFields securityHeaderFields;
    private final RequestObserver observer;
    private final BytesInFlight bytesInFlight;
    private final ErrorReporter reporter;

    /**
     * @param securityHeaders         {@code SECURITY_HEADERS_ENABLED}
     * @param intakeMaxBytesInFlight  {@code INTAKE_MAX_BYTES_IN_FLIGHT}
     */
    public HttpEdge(EdgeChain chain, boolean securityHeaders, Metrics metrics, EdgeMetrics edgeMetrics,
                    ErrorReporter reporter, long intakeMaxBytesInFlight) {
        this.chain = chain;
        this.securityHeaderFields = new SecurityHeaderFields(securityHeaders);
        this.observer = new RequestObserver(metrics, edgeMetrics, reporter);
        this.bytesInFlight = new BytesInFlight(intakeMaxBytesInFlight);
        this.reporter = reporter;
    }

    EdgeChain chain() {
        return chain;
    }

    SecurityHeaderFields securityHeaderFields() {
        return securityHeaderFields;
    }

    RequestObserver observer() {
        return observer;
    }

    /** What the direct routes share with the Javalin server. */
    public DirectRoute.Shared direct(JsonBody json, ObjectMapper mapper) {
        return new DirectRoute.Shared(chain, securityHeaderFields, json, mapper, observer, reporter, bytesInFlight);
    }
}
