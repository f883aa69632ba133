package com.levqor.edge;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Caller;
import com.levqor.api.ApiException;
import com.levqor.crypto.AdminKey;
import java.util.Optional;

/**
 * Admin routes need {@code Authorization: Bearer $ADMIN_KEY} (compared in constant time; 503
 * {@code admin_key_not_configured} when ADMIN_KEY is unset: a refusal by configuration, counted
 * apart from errors), API routes a live API key as {@code Authorization: Bearer lvq_…} or
 * {@code X-Api-Key}. Every failed attempt is told to the abuse guard. Keys are never logged.
 */
public final class Authentication {
    /** The error code of admin routes while ADMIN_KEY is unset. */
    public static final String ADMIN_KEY_NOT_CONFIGURED = "admin_key_not_configured";

    private final AccountService accounts;
    private final AdminKey adminKey;
    private final AbuseGuard abuse;

    public Authentication(AccountService accounts, AdminKey adminKey, AbuseGuard abuse) {
        this.accounts = accounts;
        this.adminKey = adminKey;
        this.abuse = abuse;
    }

    Verdict admit(EdgeRequest r, Mode mode) {
        return switch (r.access()) {
            case ADMIN -> admin(r, mode);
            case API_KEY -> apiKey(r, mode);
            default -> Verdict.ADMITTED;
        };
    }

    private Verdict admin(EdgeRequest r, Mode mode) {
        if (!adminKey.configured()) {
            return r.refuse(ApiException.unavailable(ADMIN_KEY_NOT_CONFIGURED,
                    "Admin endpoints are disabled: set the ADMIN_KEY environment variable (16 characters or more) "
                            + "and restart."));
        }
        String presented = AdminKey.bearer(r.authorization());
        if (presented != null && adminKey.matches(presented)) {
            return Verdict.ADMITTED;
        }
        if (mode == Mode.MEMORY_ONLY) {
            return Verdict.HAND_OFF; // counting the failure may ask Redis or the database
        }
        abuse.failed(r, "admin_key");
        return r.refuse(presented == null
                ? ApiException.unauthorized("missing_admin_key",
                        "This endpoint needs the admin key: send 'Authorization: Bearer <ADMIN_KEY>'.")
                : ApiException.unauthorized("invalid_admin_key", "The admin key is not valid."));
    }

    private Verdict apiKey(EdgeRequest r, Mode mode) {
        String presented = presentedKey(r.apiKeyHeader(), r.authorization());
        Optional<Caller> caller = presented == null ? Optional.empty()
                : mode == Mode.MEMORY_ONLY ? accounts.authenticateFromMemory(presented) : accounts.authenticate(presented);
        if (caller.isPresent()) {
            r.caller(caller.get());
            return Verdict.ADMITTED;
        }
        if (mode == Mode.MEMORY_ONLY) {
            return Verdict.HAND_OFF; // not cached, or a failure to count: the database and Redis say
        }
        abuse.failed(r, "api_key");
        return r.refuse(presented == null
                ? ApiException.unauthorized("missing_api_key",
                        "This endpoint needs an API key: send 'Authorization: Bearer lvq_…' or 'X-Api-Key: lvq_…'.")
                : ApiException.unauthorized("invalid_api_key", "The API key is unknown or has been revoked."));
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
