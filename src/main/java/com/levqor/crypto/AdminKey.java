package com.levqor.crypto;

import java.util.Optional;

/**
 * The operator's {@code ADMIN_KEY}, kept only as its SHA-256 digest, and the one comparison of a
 * presented key with it (constant time: digests of equal length are compared, so the time says
 * nothing about the key).
 */
public final class AdminKey {
    private static final String BEARER = "Bearer ";

    private final Optional<byte[]> digest;

    public AdminKey(Optional<String> key) {
        this.digest = key.map(Digests::sha256);
    }

    /** Whether ADMIN_KEY is set (admin endpoints answer 503 otherwise). */
    public boolean configured() {
        return digest.isPresent();
    }

    /** True when the token is the admin key; false when none is configured or the token is null. */
    public boolean matches(String token) {
        return digest.isPresent() && token != null && Digests.equal(Digests.sha256(token), digest.get());
    }

    /** True when an {@code Authorization} header presents the admin key as a bearer token. */
    public boolean presentedIn(String authorization) {
        return matches(bearer(authorization));
    }

    /** The token of {@code Authorization: Bearer <token>} (scheme case-insensitive, trimmed), or null. */
    public static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
