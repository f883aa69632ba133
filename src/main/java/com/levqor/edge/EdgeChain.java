package com.levqor.edge;

/**
 * The one pipeline every request passes before its handler, whichever HTTP path carries it (the
 * Javalin filters and the direct routes are thin adapters over it). The guards, in order:
 * {@link RequestId}, {@link SecurityHeaders}, {@link Cors} (a preflight is answered here),
 * {@link BodyLimits} (a declared body over the limit), {@link AbuseGuard} (blocked clients),
 * {@link RateLimits} per client IP (public routes), {@link Authentication} (API key or admin key),
 * {@link RateLimits} per API key. The client IP ({@link ClientIp}) is resolved once, by the first
 * guard that needs it. Each guard has one entry and knows neither Javalin nor Jetty.
 */
public final class EdgeChain {
    private final SecurityHeaders securityHeaders;
    private final Cors cors;
    private final BodyLimits bodyLimits;
    private final AbuseGuard abuse;
    private final RateLimits rateLimits;
    private final Authentication authentication;
    private final ClientIp clientIp;

    public EdgeChain(SecurityHeaders securityHeaders, Cors cors, BodyLimits bodyLimits, AbuseGuard abuse,
                     RateLimits rateLimits, Authentication authentication, ClientIp clientIp) {
        this.securityHeaders = securityHeaders;
        this.cors = cors;
        this.bodyLimits = bodyLimits;
        this.abuse = abuse;
        this.rateLimits = rateLimits;
        this.authentication = authentication;
        this.clientIp = clientIp;
    }

    /**
     * Runs the guards over a request. In {@link Mode#MEMORY_ONLY} a guard that would have to ask
     * the database or Redis stops the chain with {@link Verdict#HAND_OFF} before anything is
     * counted or taken; the adapter then admits the request again on a thread that may block.
     */
    public Verdict admit(EdgeRequest r, Mode mode) {
        RequestId.assign(r);
        securityHeaders.apply(r);
        if (cors.preflight(r)) {
            return Verdict.PREFLIGHT;
        }
        if (!bodyLimits.admit(r)) {
            return Verdict.REFUSED;
        }
        Verdict v = abuse.admit(r);
        if (v == Verdict.ADMITTED) {
            v = rateLimits.perIp(r, mode);
        }
        if (v == Verdict.ADMITTED) {
            v = authentication.admit(r, mode);
        }
        if (v == Verdict.ADMITTED) {
            v = rateLimits.perKey(r, mode);
        }
        return v;
    }

    public SecurityHeaders securityHeaders() {
        return securityHeaders;
    }

    public BodyLimits bodyLimits() {
        return bodyLimits;
    }

    public ClientIp clientIp() {
        return clientIp;
    }
}
