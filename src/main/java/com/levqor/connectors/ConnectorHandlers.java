package com.levqor.connectors;

import io.javalin.http.Context;
import java.util.function.Supplier;

/** {@code GET /ops/connectors} (admin): the state of Stripe, Resend, Slack and Sentry. */
public final class ConnectorHandlers {
    private final Connectors connectors;
    private final Supplier<Connectors.OutboxFigures> outbox;

    /** @param outbox the email outbox's figures, shown under {@code resend} */
    public ConnectorHandlers(Connectors connectors, Supplier<Connectors.OutboxFigures> outbox) {
        this.connectors = connectors;
        this.outbox = outbox;
    }

    public void connectors(Context ctx) {
        ctx.json(connectors.view(outbox.get()));
    }
}
