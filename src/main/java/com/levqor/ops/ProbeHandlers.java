package com.levqor.ops;

import io.javalin.http.Context;

/**
 * The orchestrator probes: {@code GET /livez} ({@link Liveness}) and {@code GET /readyz}
 * ({@link Readiness}). Public, never rate limited nor blocked (see {@code edge/ProbeRoutes}).
 */
public final class ProbeHandlers {
    private final Liveness liveness;
    private final Readiness readiness;

    public ProbeHandlers(Liveness liveness, Readiness readiness) {
        this.liveness = liveness;
        this.readiness = readiness;
    }

    /** {@code GET /livez}: 200 alive, 503 stuck. */
    public void livez(Context ctx) {
        Liveness.Answer a = liveness.check();
        ctx.status(a.httpStatus()).json(a.body());
    }

    /** {@code GET /readyz}: 200 ready, 503 not ready or draining; the body names each check. */
    public void readyz(Context ctx) {
        Readiness.Answer a = readiness.check();
        ctx.status(a.httpStatus()).json(a.body());
    }
}
