package com.levqor.config;

import com.levqor.net.HttpUrls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The edge guards in front of every route: rate limits, trusted proxies, CORS, abuse
 * guards and webhook secrets. Whether each guard runs is a {@link Flags} flag; these are its limits.
 *
 * @param freePerMinute  {@code RATELIMIT_FREE_PER_MINUTE}: requests per minute per API key of a free account (default {@value #DEFAULT_FREE_PER_MINUTE})
 * @param proPerMinute   {@code RATELIMIT_PRO_PER_MINUTE}: requests per minute per API key of a pro account (default {@value #DEFAULT_PRO_PER_MINUTE})
 * @param ipPerMinute    {@code RATELIMIT_IP_PER_MINUTE}: requests per minute per client IP on public routes (default {@value #DEFAULT_IP_PER_MINUTE})
 * @param trustedProxies {@code TRUSTED_PROXIES}: comma-separated CIDRs whose {@code X-Forwarded-For} is believed (default none)
 * @param corsAllowedOrigins {@code CORS_ALLOWED_ORIGINS}: comma-separated origins allowed by CORS (default none: no CORS headers)
 * @param failedAuthLimit {@code ABUSE_FAILED_AUTH_LIMIT}: failed authentications per IP within the window that block it (default {@value #DEFAULT_FAILED_AUTH_LIMIT})
 * @param failedAuthWindowSeconds {@code ABUSE_FAILED_AUTH_WINDOW_SECONDS}: the counting window in seconds (default {@value #DEFAULT_FAILED_AUTH_WINDOW_SECONDS})
 * @param blockSeconds   {@code ABUSE_BLOCK_SECONDS}: length of a first block in seconds (default {@value #DEFAULT_BLOCK_SECONDS})
 * @param escalateAfterBlocks {@code ABUSE_ESCALATE_AFTER_BLOCKS}: the block that makes this many within a day is escalated (default {@value #DEFAULT_ESCALATE_AFTER_BLOCKS})
 * @param escalatedBlockSeconds {@code ABUSE_ESCALATED_BLOCK_SECONDS}: length of an escalated block in seconds (default {@value #DEFAULT_ESCALATED_BLOCK_SECONDS})
 * @param abuseExempt    {@code ABUSE_EXEMPT_CIDRS}: comma-separated CIDRs never blocked (default none: loopback is not exempt)
 * @param minRequestDataRate {@code MIN_REQUEST_DATA_RATE}: bytes per second below which Jetty cuts a slow request body (default {@value #DEFAULT_MIN_REQUEST_DATA_RATE})
 * @param stripeWebhookSecret {@code STRIPE_WEBHOOK_SECRET}: signing secret(s) of the Stripe endpoint, comma-separated during a roll
 * @param slackSigningSecret {@code SLACK_SIGNING_SECRET}: the Slack app's signing secret
 * @param webhookToleranceSeconds {@code WEBHOOK_TOLERANCE_SECONDS}: how far a signature timestamp may be from now, both ways (default {@value #DEFAULT_WEBHOOK_TOLERANCE_SECONDS})
 */
public record EdgeSettings(
        int freePerMinute,
        int proPerMinute,
        int ipPerMinute,
        List<Cidr> trustedProxies,
        List<String> corsAllowedOrigins,
        int failedAuthLimit,
        int failedAuthWindowSeconds,
        int blockSeconds,
        int escalateAfterBlocks,
        int escalatedBlockSeconds,
        List<Cidr> abuseExempt,
        long minRequestDataRate,
        List<String> stripeWebhookSecret,
        Optional<String> slackSigningSecret,
        int webhookToleranceSeconds) {

    public static final int DEFAULT_FREE_PER_MINUTE = 60;
    public static final int DEFAULT_PRO_PER_MINUTE = 600;
    public static final int DEFAULT_IP_PER_MINUTE = 60;
    public static final int DEFAULT_FAILED_AUTH_LIMIT = 10;
    public static final int DEFAULT_FAILED_AUTH_WINDOW_SECONDS = 600;
    public static final int DEFAULT_BLOCK_SECONDS = 900;
    public static final int DEFAULT_ESCALATE_AFTER_BLOCKS = 3;
    public static final int DEFAULT_ESCALATED_BLOCK_SECONDS = 86_400;
    public static final long DEFAULT_MIN_REQUEST_DATA_RATE = 1_024;
    public static final int DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

    static EdgeSettings parse(Env env) {
        return new EdgeSettings(
                env.integer("RATELIMIT_FREE_PER_MINUTE", DEFAULT_FREE_PER_MINUTE, 1, 10_000_000),
                env.integer("RATELIMIT_PRO_PER_MINUTE", DEFAULT_PRO_PER_MINUTE, 1, 10_000_000),
                env.integer("RATELIMIT_IP_PER_MINUTE", DEFAULT_IP_PER_MINUTE, 1, 10_000_000),
                cidrs(env, "TRUSTED_PROXIES"),
                origins(env),
                env.integer("ABUSE_FAILED_AUTH_LIMIT", DEFAULT_FAILED_AUTH_LIMIT, 1, 1_000_000),
                env.integer("ABUSE_FAILED_AUTH_WINDOW_SECONDS", DEFAULT_FAILED_AUTH_WINDOW_SECONDS, 1, 86_400),
                env.integer("ABUSE_BLOCK_SECONDS", DEFAULT_BLOCK_SECONDS, 1, 30 * 86_400),
                env.integer("ABUSE_ESCALATE_AFTER_BLOCKS", DEFAULT_ESCALATE_AFTER_BLOCKS, 1, 1_000),
                env.integer("ABUSE_ESCALATED_BLOCK_SECONDS", DEFAULT_ESCALATED_BLOCK_SECONDS, 1, 365 * 86_400),
                cidrs(env, "ABUSE_EXEMPT_CIDRS"),
                env.longValue("MIN_REQUEST_DATA_RATE", DEFAULT_MIN_REQUEST_DATA_RATE, 0, 1L << 30),
                env.secret("STRIPE_WEBHOOK_SECRET").map(EdgeSettings::splitList).orElse(List.of()),
                env.secret("SLACK_SIGNING_SECRET"),
                env.integer("WEBHOOK_TOLERANCE_SECONDS", DEFAULT_WEBHOOK_TOLERANCE_SECONDS, 1, 86_400));
    }

    /** The per-minute limit of a plan by its wire name ({@code free}, {@code pro}). */
    public int perMinuteForPlan(String plan) {
        return "pro".equals(plan) ? proPerMinute : freePerMinute;
    }

    /** The limits as {@code GET /ops/flags} and {@code levqor flags} show them (no secrets). */
    public Map<String, Object> limitsByName() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("RATELIMIT_FREE_PER_MINUTE", freePerMinute);
        m.put("RATELIMIT_PRO_PER_MINUTE", proPerMinute);
        m.put("RATELIMIT_IP_PER_MINUTE", ipPerMinute);
        m.put("TRUSTED_PROXIES", trustedProxies.stream().map(Cidr::toString).toList());
        m.put("CORS_ALLOWED_ORIGINS", corsAllowedOrigins);
        m.put("ABUSE_FAILED_AUTH_LIMIT", failedAuthLimit);
        m.put("ABUSE_FAILED_AUTH_WINDOW_SECONDS", failedAuthWindowSeconds);
        m.put("ABUSE_BLOCK_SECONDS", blockSeconds);
        m.put("ABUSE_ESCALATE_AFTER_BLOCKS", escalateAfterBlocks);
        m.put("ABUSE_ESCALATED_BLOCK_SECONDS", escalatedBlockSeconds);
        m.put("ABUSE_EXEMPT_CIDRS", abuseExempt.stream().map(Cidr::toString).toList());
        m.put("MIN_REQUEST_DATA_RATE", minRequestDataRate);
        m.put("STRIPE_WEBHOOK_SECRET", stripeWebhookSecret.isEmpty() ? "unset" : "set");
        m.put("SLACK_SIGNING_SECRET", slackSigningSecret.isEmpty() ? "unset" : "set");
        m.put("WEBHOOK_TOLERANCE_SECONDS", webhookToleranceSeconds);
        return m;
    }

    private static List<Cidr> cidrs(Env env, String name) {
        Optional<String> v = env.optional(name);
        List<Cidr> out = new ArrayList<>();
        for (String part : v.map(EdgeSettings::splitList).orElse(List.of())) {
            try {
                out.add(Cidr.parse(part));
            } catch (IllegalArgumentException e) {
                env.problem(name, part, "comma-separated IP addresses or CIDRs like 10.0.0.0/8 or ::1/128");
            }
        }
        return List.copyOf(out);
    }

    private static List<String> origins(Env env) {
        Optional<String> v = env.optional("CORS_ALLOWED_ORIGINS");
        List<String> out = new ArrayList<>();
        for (String part : v.map(EdgeSettings::splitList).orElse(List.of())) {
            Optional<String> origin = HttpUrls.origin(part);
            if (origin.isPresent()) {
                out.add(origin.get());
            } else {
                env.problem("CORS_ALLOWED_ORIGINS", part,
                        "comma-separated origins like https://app.example.com (scheme and host, no path, no '*')");
            }
        }
        return List.copyOf(out);
    }

    private static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "EdgeSettings" + limitsByName();
    }
}
