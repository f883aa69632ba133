package com.levqor.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Email through the outbox and Resend. Without {@code RESEND_API_KEY} emails are queued
 * and kept, never dropped, until a key is set.
 *
 * @param resendApiKey     {@code RESEND_API_KEY}: Resend's API key; unset, nothing is sent
 * @param from             {@code EMAIL_FROM}: the sender address, e.g. {@code Levqor <billing@example.com>}; required with the key
 * @param resendApiUrl     {@code RESEND_API_URL}: Resend's API base (default {@value #DEFAULT_RESEND_API_URL}; tests point it at a fake)
 * @param adminEmail       {@code ADMIN_EMAIL}: where operator emails go (backup failures, dead-letter alerts); unset, none are queued
 * @param supportEmail     {@code SUPPORT_EMAIL}: the support address the templates show (default {@value #DEFAULT_SUPPORT_EMAIL})
 * @param maxAttempts      {@code EMAIL_MAX_ATTEMPTS}: attempts before a row is marked failed (default {@value #DEFAULT_MAX_ATTEMPTS})
 * @param maxPerMinute     {@code EMAIL_MAX_PER_MINUTE}: emails sent per minute at most (default {@value #DEFAULT_MAX_PER_MINUTE})
 * @param retryBaseMillis  {@code EMAIL_RETRY_BASE_MS}: wait after the first failed attempt, doubled each attempt (default {@value #DEFAULT_RETRY_BASE_MS} ms)
 * @param retryMaxMillis   {@code EMAIL_RETRY_MAX_MS}: longest wait between attempts (default {@value #DEFAULT_RETRY_MAX_MS} ms); with the defaults ten attempts span about a day
 * @param sendTimeoutMillis {@code EMAIL_SEND_TIMEOUT_MS}: connect and read timeout of one call to Resend (default {@value #DEFAULT_SEND_TIMEOUT_MS} ms)
 * @param pollMillis       {@code EMAIL_POLL_MS}: how often the sender looks for queued emails when nobody wakes it (default {@value #DEFAULT_POLL_MS} ms)
 * @param alertOnDlq       {@code ALERT_ON_DLQ}: email {@code ADMIN_EMAIL} when a job goes dead (default false)
 */
public record EmailSettings(
        Optional<String> resendApiKey,
        Optional<String> from,
        URI resendApiUrl,
        Optional<String> adminEmail,
        String supportEmail,
        int maxAttempts,
        int maxPerMinute,
        long retryBaseMillis,
        long retryMaxMillis,
        long sendTimeoutMillis,
        long pollMillis,
        boolean alertOnDlq) {

    public static final String DEFAULT_RESEND_API_URL = "https://api.resend.com";
    public static final String DEFAULT_SUPPORT_EMAIL = "support@levqor.com";
    public static final int DEFAULT_MAX_ATTEMPTS = 10;
    public static final int DEFAULT_MAX_PER_MINUTE = 100;
    public static final long DEFAULT_RETRY_BASE_MS = 300_000;
    public static final long DEFAULT_RETRY_MAX_MS = 21_600_000;
    public static final long DEFAULT_SEND_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_POLL_MS = 1_000;
    private static final String ADDRESS = "[^@\\s<>]+@[^@\\s<>]+";

    static EmailSettings parse(Env env) {
        Optional<String> key = env.secret("RESEND_API_KEY");
        Optional<String> from = env.optional("EMAIL_FROM");
        if (key.isPresent() && from.isEmpty()) {
            env.problem("EMAIL_FROM", null, "a sender address such as 'Levqor <billing@example.com>' "
                    + "(required when RESEND_API_KEY is set)");
        }
        if (from.isPresent() && !from.get().matches(ADDRESS) && !from.get().matches(".*<" + ADDRESS + ">")) {
            env.problem("EMAIL_FROM", from.get(), "an address like billing@example.com or 'Name <billing@example.com>'");
        }
        URI url = env.httpUrl("RESEND_API_URL", false).orElse(URI.create(DEFAULT_RESEND_API_URL));
        Optional<String> admin = address(env, "ADMIN_EMAIL");
        String support = address(env, "SUPPORT_EMAIL").orElse(DEFAULT_SUPPORT_EMAIL);
        long base = env.longValue("EMAIL_RETRY_BASE_MS", DEFAULT_RETRY_BASE_MS, 1, 86_400_000);
        long max = env.longValue("EMAIL_RETRY_MAX_MS", DEFAULT_RETRY_MAX_MS, 1, 7L * 86_400_000);
        return new EmailSettings(key, from, url, admin, support,
                env.integer("EMAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, 1, 100),
                env.integer("EMAIL_MAX_PER_MINUTE", DEFAULT_MAX_PER_MINUTE, 1, 1_000_000),
                base, Math.max(base, max),
                env.longValue("EMAIL_SEND_TIMEOUT_MS", DEFAULT_SEND_TIMEOUT_MS, 100, 300_000),
                env.longValue("EMAIL_POLL_MS", DEFAULT_POLL_MS, 10, 3_600_000),
                env.flag("ALERT_ON_DLQ", false));
    }

    private static Optional<String> address(Env env, String name) {
        Optional<String> v = env.optional(name);
        if (v.isPresent() && !v.get().matches(ADDRESS)) {
            env.problem(name, v.get(), "an email address like ops@example.com");
            return Optional.empty();
        }
        return v;
    }

    /** Whether emails can be sent (a key and a sender); otherwise they wait in the outbox. */
    public boolean configured() {
        return resendApiKey.isPresent() && from.isPresent();
    }

    /** The variables missing for sending, in words for the start-up log. */
    public List<String> missing() {
        List<String> m = new ArrayList<>();
        if (resendApiKey.isEmpty()) {
            m.add("RESEND_API_KEY");
        }
        if (from.isEmpty()) {
            m.add("EMAIL_FROM");
        }
        return m;
    }

    @Override
    public String toString() {
        return "EmailSettings[resendApiKey=" + (resendApiKey.isPresent() ? "set" : "unset") + ", from=" + from
                + ", resendApiUrl=" + resendApiUrl + ", maxAttempts=" + maxAttempts + ", maxPerMinute=" + maxPerMinute + "]";
    }
}
