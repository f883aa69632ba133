package com.levqor.accounts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An account as listed by {@code GET /ops/accounts}, with its keys (never the key material). */
public record Account(UUID accountId, String email, String plan, Instant createdAt, Instant updatedAt,
                      List<KeyInfo> keys) {

    /** One API key as listed: its visible prefix and its times. */
    public record KeyInfo(String prefix, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {
    }
}
