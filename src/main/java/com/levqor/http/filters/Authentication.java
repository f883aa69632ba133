package com.levqor.http.filters;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Caller;
import com.levqor.http.Access;
import com.levqor.http.ApiException;
import com.levqor.http.AuthFailures;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;

/**
 * Runs before every matched route: admin routes need {@code Authorization: Bearer $ADMIN_KEY}
 * (compared in constant time; 503 when ADMIN_KEY is unset), API routes need a live API key as
 * {@code Authorization: Bearer lvq_…} or {@code X-Api-Key}. Keys are never logged.
 */
public final class Authentication {
    private static final String CALLER = "levqor.caller";

    private final AccountService accounts;
    private final Optional<byte[]> adminKeyDigest;
    private volatile AuthFailures failures = AuthFailures.NONE;

    public Authentication(AccountService accounts, Optional<String> adminKey) {
        this.accounts = accounts;
        this.adminKeyDigest = adminKey.map(Authentication::digest);
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
            ctx.attribute(CALLER, requireApiKey(ctx));
        }
    }

    private void requireAdmin(Context ctx) {
        if (adminKeyDigest.isEmpty()) {
            throw ApiException.unavailable("admin_key_not_configured",
                    "Admin endpoints are disabled: set the ADMIN_KEY environment variable (16 characters or more) "
                            + "and restart.");
        }
        String presented = bearer(ctx);
        if (presented == null) {
            failures.failed(ctx, "admin_key");
            throw ApiException.unauthorized("missing_admin_key",
                    "This endpoint needs the admin key: send 'Authorization: Bearer <ADMIN_KEY>'.");
        }
        if (!MessageDigest.isEqual(digest(presented), adminKeyDigest.get())) {
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
            presented = bearer(authorization);
        }
        return presented == null || presented.isBlank() ? null : presented.trim();
    }

    private static String bearer(Context ctx) {
        return bearer(ctx.header("Authorization"));
    }

    private static String bearer(String h) {
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = h.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The authenticated caller of an {@link Access#API_KEY} route. */
    public static Caller caller(Context ctx) {
        Caller c = ctx.attribute(CALLER);
        if (c == null) {
            throw new IllegalStateException("No authenticated caller: is the route marked Access.API_KEY?");
        }
        return c;
    }
}
