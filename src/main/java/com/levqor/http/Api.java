package com.levqor.http;

import com.levqor.accounts.AccountHandlers;
import com.levqor.ops.OpsHandlers;
import io.javalin.config.RoutesConfig;

/**
 * The whole route table in one block. Every route names who may call it ({@link Access});
 * handlers stay thin.
 */
public final class Api {
    private final OpsHandlers ops;
    private final AccountHandlers accounts;

    public Api(OpsHandlers ops, AccountHandlers accounts) {
        this.ops = ops;
        this.accounts = accounts;
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
    }
}
