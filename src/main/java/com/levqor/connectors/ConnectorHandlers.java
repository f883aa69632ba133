package com.levqor.connectors;

import io.javalin.http.Context;

/** {@code GET /ops/connectors} (admin): the state of Stripe, Resend, Slack and Sentry. */
public final class ConnectorHandlers {
    private final Connectors connectors;

    public ConnectorHandlers(Connectors connectors) {
        this.connectors = connectors;
    }

    public void connectors(Context ctx) {
        ctx.json(connectors.view());
    }
}
