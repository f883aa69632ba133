package com.levqor.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runbook's five feature flags. Every one defaults to {@code true} (secure by default);
 * setting one to {@code false} and restarting is the runbook's rollback.
 *
 * @param newQueue        {@code NEW_QUEUE_ENABLED}: async queue through Redis; false runs jobs in-process (sync mode)
 * @param securityHeaders {@code SECURITY_HEADERS_ENABLED}: OWASP security headers on every response
 * @param rateLimit       {@code RATELIMIT_ENABLED}: per-plan and per-IP token buckets
 * @param webhookVerifyAll {@code WEBHOOK_VERIFY_ALL}: reject webhooks without a valid signature
 * @param abuseGuards     {@code ABUSE_GUARDS_ENABLED}: block IPs that keep failing authentication
 */
public record Flags(boolean newQueue, boolean securityHeaders, boolean rateLimit, boolean webhookVerifyAll,
                    boolean abuseGuards) {

    static Flags parse(Env env) {
        return new Flags(
                env.flag("NEW_QUEUE_ENABLED", true),
                env.flag("SECURITY_HEADERS_ENABLED", true),
                env.flag("RATELIMIT_ENABLED", true),
                env.flag("WEBHOOK_VERIFY_ALL", true),
                env.flag("ABUSE_GUARDS_ENABLED", true));
    }

    /** The flags by their environment variable names, in the runbook's order. */
    public Map<String, Boolean> byName() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("NEW_QUEUE_ENABLED", newQueue);
        m.put("SECURITY_HEADERS_ENABLED", securityHeaders);
        m.put("RATELIMIT_ENABLED", rateLimit);
        m.put("WEBHOOK_VERIFY_ALL", webhookVerifyAll);
        m.put("ABUSE_GUARDS_ENABLED", abuseGuards);
        return m;
    }
}
