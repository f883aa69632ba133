package com.levqor.accounts;

import java.util.UUID;

/** The account behind an authenticated API request, and which of its keys was used. */
public record Caller(UUID accountId, Plan plan, String keyPrefix) {
}
