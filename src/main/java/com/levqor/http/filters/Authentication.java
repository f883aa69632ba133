package com.levqor.http.filters;

import com.levqor.accounts.AccountService;
import com.levqor.crypto.AdminKey;
import com.levqor.accounts.Caller;
import com.levqor.http.Access;
import com.levqor.api.ApiException;
import com.levqor.http.AuthFailures;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.Set;

/**
 * Runs before every matched route: admin routes need {@code Authorization: Bearer $ADMIN_KEY}
 * (compared in constant time; 503 when ADMIN_KEY is unset), API routes need a live API key as
 * {@code Authorization: Bearer lvq_…} or {@code X-Api-Key}. Keys are never logged.
 */
public final class Authentication {
    private final AccountService accounts;
    private final AdminKey adminKey;
    private volatile AuthFailures failures = AuthFailures.NONE;

    public Authentication(AccountService accounts, AdminKey adminKey) {
        this.accounts = accounts;
        this.adminKey = adminKey;
    }

    /** Who to tell about failed attempts (the abuse guards). */
    public void onFailure(AuthFailures listener) {
        this.failures = listener;
    }

    public void check(Context ctx) {
        Set<?> roles = ctx.routeRoles();
        if (roles.contains(Access.ADMIN)) {
            requireAdmin(ctx);
        } else if (roles.contains(Access.API_KEY)) {
            Caller.attach(ctx, requireApiKey(ctx));
        }
    }

    private void requireAdmin(Context ctx) {
        if (!adminKey.configured()) {
            throw ApiException.unavailable("admin_key_not_configured",
                    "Admin endpoints are disabled: set the ADMIN_KEY environment variable (16 characters or more) "
                            + "and restart.");
        }
        String presented = AdminKey.bearer(ctx.header("Authorization"));
        if (presented == null) {
            failures.failed(ctx, "admin_key");
            throw ApiException.unauthorized("missing_admin_key",
                    "This endpoint needs the admin key: send 'Authorization: Bearer <ADMIN_KEY>'.");
        }
        if (!adminKey.matches(presented)) {
            failures.failed(ctx, "admin_key");
            throw ApiException.unauthorized("invalid_admin_key", "The admin key is not valid.");
        }
    }

    private Caller requireApiKey(Context ctx) {
        String presented = presentedKey(ctx.header("X-Api-Key"), ctx.header("Authorization"));
        if (presented == null) {
            failures.failed(ctx, "api_key");
            throw ApiException.unauthorized("missing_api_key",
                    "This endpoint needs an API key: send 'Authorization: Bearer lvq_…' or 'X-Api-Key: lvq_…'.");
        }
        Optional<Caller> caller = accounts.authenticate(presented);
        if (caller.isEmpty()) {
            failures.failed(ctx, "api_key");
            throw ApiException.unauthorized("invalid_api_key", "The API key is unknown or has been revoked.");
        }
        return caller.get();
    }

    /**
     * The caller behind a live API key in these headers, or empty when none is presented or it is
     * unknown or revoked. Failures are not counted here: a caller that gets empty answers through
     * {@link #check}, which counts them and says what is wrong.
     */
    public Optional<Caller> apiKeyCaller(String xApiKey, String authorization) {
        String presented = presentedKey(xApiKey, authorization);
        return presented == null ? Optional.empty() : accounts.authenticate(presented);
    }

    /**
     * {@link #apiKeyCaller} from the key cache only: empty also when the answer would need the
     * database (a key not cached, or its last-used time due to be written).
     */
    public Optional<Caller> apiKeyCallerFromMemory(String xApiKey, String authorization) {
        String presented = presentedKey(xApiKey, authorization);
        return presented == null ? Optional.empty() : accounts.authenticateFromMemory(presented);
    }

    /** The key of {@code X-Api-Key}, else of {@code Authorization: Bearer}, trimmed; null when neither has one. */
    private static String presentedKey(String xApiKey, String authorization) {
        String presented = xApiKey;
        if (presented == null || presented.isBlank()) {
            presented = AdminKey.bearer(authorization);
        }
        return presented == null || presented.isBlank() ? null : presented.trim();
    }
}
