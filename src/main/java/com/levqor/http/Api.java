package com.levqor.http;

import com.levqor.abuse.AbuseHandlers;
import com.levqor.accounts.AccountHandlers;
import com.levqor.ops.FlagsHandler;
import com.levqor.ops.OpsHandlers;
import com.levqor.webhooks.WebhookHandlers;
import io.javalin.config.RoutesConfig;

/**
 * The whole route table in one block. Every route names who may call it ({@link Access});
 * handlers stay thin.
 */
public final class Api {
    private final OpsHandlers ops;
    private final AccountHandlers accounts;
    private final FlagsHandler flags;
    private final AbuseHandlers abuse;
    private final WebhookHandlers webhooks;

    public Api(OpsHandlers ops, AccountHandlers accounts, FlagsHandler flags, AbuseHandlers abuse,
               WebhookHandlers webhooks) {
        this.ops = ops;
        this.accounts = accounts;
        this.flags = flags;
        this.abuse = abuse;
        this.webhooks = webhooks;
    }

    void register(RoutesConfig r) {
        // Public: probes, status, metrics.
        r.get("/ops/uptime", ops::uptime, Access.PUBLIC);
        r.get("/api/v1/status", ops::status, Access.PUBLIC);
        r.get("/metrics", ops::metrics, Access.PUBLIC);

        // API clients.
        r.get("/api/v1/account", accounts::me, Access.API_KEY);

        // Admin: accounts and API keys.
        r.post("/ops/accounts", accounts::create, Access.ADMIN);
        r.get("/ops/accounts", accounts::list, Access.ADMIN);
        r.post("/ops/accounts/{id}/keys", accounts::addKey, Access.ADMIN);
        r.delete("/ops/keys/{prefix}", accounts::revoke, Access.ADMIN);

        // Edge guards: signed webhooks (public: the signature is their credential), flags, abuse audit, webhook log.
        r.post("/webhooks/stripe", webhooks::stripe, Access.PUBLIC);
        r.post("/webhooks/slack", webhooks::slack, Access.PUBLIC);
        r.get("/ops/flags", flags::flags, Access.ADMIN);
        r.get("/ops/abuse/blocks", abuse::list, Access.ADMIN);
        r.delete("/ops/abuse/blocks/{id}", abuse::lift, Access.ADMIN);
        r.get("/ops/webhooks", webhooks::list, Access.ADMIN);
    }
}
