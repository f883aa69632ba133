package com.levqor.billing;

import com.levqor.accounts.Caller;
import io.javalin.http.Context;
import java.util.Optional;

/** {@code POST /api/v1/billing/checkout}, {@code POST /api/v1/billing/portal}, {@code GET /api/v1/billing} (API key). */
public final class BillingHandlers {
    private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;
    private final BillingService billing;

    public BillingHandlers(BillingService billing) {
        this.billing = billing;
    }

    /** 201 {@code {"url","session_id"}}; 409 {@code already_subscribed} for a Pro account. */
    public void checkout(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
            throw com.levqor.api.ApiException.invalid("The Idempotency-Key header must be 1 to "
                    + MAX_IDEMPOTENCY_KEY_LENGTH + " characters.", java.util.Map.of("Idempotency-Key",
                    "must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters"));
        }
        ctx.status(201).json(billing.checkout(Caller.of(ctx).accountId(),
                Optional.ofNullable(key).map(String::trim)));
    }

    public void portal(Context ctx) {
        ctx.json(billing.portal(Caller.of(ctx).accountId()));
    }

    public void status(Context ctx) {
        ctx.json(billing.status(Caller.of(ctx).accountId()));
    }
}
