package com.levqor.accounts;

import com.levqor.api.QueryParams;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.levqor.db.Uuids;
import com.levqor.api.ApiException;
import com.levqor.api.Fields;
import com.levqor.api.JsonBody;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Admin endpoints for accounts and API keys: thin, they parse, call {@link AccountService}, answer. */
public final class AccountHandlers {
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");
    private static final int DEFAULT_LIST_LIMIT = 100;
    private static final int MAX_LIST_LIMIT = 1_000;

    private final AccountService accounts;
    private final JsonBody json;

    public AccountHandlers(AccountService accounts, JsonBody json) {
        this.accounts = accounts;
        this.json = json;
    }

    /** {@code POST /ops/accounts} {@code {"email":…,"plan":"free"|"pro"}} → 201 with the key, shown once. */
    public void create(Context ctx) {
        ObjectNode body = json.object(ctx, false);
        Fields f = new Fields(body).onlyKnown(Set.of("email", "plan"));
        String email = f.requiredString("email");
        String planText = f.optionalString("plan").orElse(Plan.FREE.wire());
        if (email != null && (email.length() > 320 || !EMAIL.matcher(email).matches())) {
            f.problem("email", "must be an email address like ops@example.com");
        }
        Plan plan = Plan.fromWire(planText).orElse(null);
        if (plan == null) {
            f.problem("plan", "must be one of free, pro");
        }
        f.validate();
        AccountService.Created c = accounts.create(email, plan);
        ctx.status(201).json(Map.of("account_id", c.accountId(), "email", c.email(), "plan", c.plan(),
                "api_key", c.apiKey(), "key_prefix", c.prefix()));
    }

    /** {@code GET /ops/accounts?limit=}: accounts with their key prefixes and times. */
    public void list(Context ctx) {
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
        ctx.json(Map.of("accounts", accounts.list(limit)));
    }

    /** {@code POST /ops/accounts/{id}/keys} → 201 with the new key, shown once. */
    public void addKey(Context ctx) {
        UUID id = Uuids.parseOrNull(ctx.pathParam("id"));
        AccountService.NewKey k = (id == null ? java.util.Optional.<AccountService.NewKey>empty() : accounts.addKey(id))
                .orElseThrow(() -> ApiException.notFound("account_not_found",
                        "No account with id '" + ctx.pathParam("id") + "'."));
        ctx.status(201).json(Map.of("account_id", k.accountId(), "api_key", k.apiKey(), "key_prefix", k.prefix()));
    }

    /** {@code DELETE /ops/keys/{prefix}} → 200 with the revocation time (idempotent). */
    public void revoke(Context ctx) {
        String prefix = ctx.pathParam("prefix");
        AccountService.Revoked r = accounts.revoke(prefix).orElseThrow(() -> ApiException.notFound(
                "key_not_found", "No API key with prefix '" + prefix + "'."));
        ctx.json(Map.of("key_prefix", r.prefix(), "account_id", r.accountId(), "revoked_at", r.revokedAt()));
    }

    /** {@code GET /api/v1/account}: who the presented API key belongs to. */
    public void me(Context ctx) {
        Caller c = Caller.of(ctx);
        ctx.json(Map.of("account_id", c.accountId(), "plan", c.plan().wire(), "key_prefix", c.keyPrefix()));
    }
}
