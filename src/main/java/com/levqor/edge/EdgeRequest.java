package com.levqor.edge;

import com.levqor.accounts.Caller;
import com.levqor.api.ApiException;
import java.util.List;

/**
 * One request as the edge guards see it, whichever HTTP path carries it: what they read of it
 * (implemented by each adapter over its own request type) and what they decided (the request id,
 * the client IP, the caller, the rate-limit outcome, the CORS origin to answer, or the refusal).
 * An adapter allocates one per request, usually as the object it already keeps for the request,
 * so admission allocates nothing more on the happy path.
 */
public abstract class EdgeRequest {
    private String requestId;
    private String clientIp;
    private Caller caller;
    private boolean securityHeaders;
    private String corsOrigin;
    private String limitScope;
    private RateLimitBuckets.Outcome limit;
    private long limitResetEpochSecond;
    private ApiException refusal;

    /** The method of the request line (never an override header). */
    public abstract String method();

    /** The path of the request line, without the query. */
    public abstract String path();

    /** The matched route's template ({@code /api/v1/status/{job_id}}), or the path when none matched. */
    public abstract String route();

    /** Who may call the matched route. */
    public abstract RouteAccess access();

    /** {@code X-Request-Id}, or null. */
    public abstract String requestIdHeader();

    /** The socket peer's address. */
    public abstract String remoteAddress();

    /** The values of {@code X-Forwarded-For}, in order (empty when none). */
    public abstract List<String> forwardedFor();

    /** The declared {@code Content-Length}; -1 when there is none (chunked) or it is not a number. */
    public abstract long declaredLength();

    /** {@code Origin}, or null. */
    public abstract String origin();

    /** {@code Access-Control-Request-Method} (a CORS preflight), or null. */
    public abstract String preflightMethod();

    /** {@code Authorization}, or null. */
    public abstract String authorization();

    /** {@code X-Api-Key}, or null. */
    public abstract String apiKeyHeader();

    /** The request's id (the caller's when sane, else a new one); set by the first guard. */
    public final String requestId() {
        return requestId;
    }

    /** The authenticated caller of an API-key route, or null. */
    public final Caller caller() {
        return caller;
    }

    /** The refusal to answer, once {@link EdgeChain#admit} said {@link Verdict#REFUSED}. */
    public final ApiException refusal() {
        return refusal;
    }

    /** Whether the answer carries the security headers (SECURITY_HEADERS_ENABLED). */
    public final boolean securityHeaders() {
        return securityHeaders;
    }

    /**
     * Writes the headers the guards add to the answer, past the request id and the security
     * headers (which each adapter writes in its own encoded form): the rate-limit headers, then
     * CORS. A refusal carries its own.
     */
    public final void writeHeaders(HeaderSink sink) {
        if (limit != null) {
            RateLimits.writeHeaders(limitScope, limit, limitResetEpochSecond, sink);
        }
        if (corsOrigin != null) {
            Cors.writeHeaders(corsOrigin, "OPTIONS".equals(method()) && preflightMethod() != null, sink);
        }
    }

    final void requestId(String id) {
        this.requestId = id;
    }

    final String cachedClientIp() {
        return clientIp;
    }

    final void clientIp(String ip) {
        this.clientIp = ip;
    }

    final void caller(Caller c) {
        this.caller = c;
    }

    final void securityHeaders(boolean on) {
        this.securityHeaders = on;
    }

    final void corsOrigin(String origin) {
        this.corsOrigin = origin;
    }

    final void limit(String scope, RateLimitBuckets.Outcome outcome, long resetEpochSecond) {
        this.limitScope = scope;
        this.limit = outcome;
        this.limitResetEpochSecond = resetEpochSecond;
    }

    final Verdict refuse(ApiException e) {
        this.refusal = e;
        return Verdict.REFUSED;
    }
}
