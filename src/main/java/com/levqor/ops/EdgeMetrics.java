package com.levqor.ops;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;

/**
 * The edge guards' metrics: rate-limit rejections by scope, abuse blocks by reason, webhook
 * verifications by source and result, whether the shared rate-limit store answers, and the 5xx
 * refusals that are not errors of the service.
 */
public final class EdgeMetrics {
    private final Counter rateLimitRejections;
    private final Counter abuseBlocks;
    private final Counter abuseRejections;
    private final Counter webhookVerifications;
    private final Gauge rateLimitRedisUp;
    private final Counter refusals;

    public EdgeMetrics(Metrics metrics) {
        rateLimitRejections = Counter.builder()
                .name("levqor_ratelimit_rejections_total")
                .help("Requests answered 429 by the rate limiter, by scope (ip, api_key)")
                .labelNames("scope")
                .register(metrics.registry());
        abuseBlocks = Counter.builder()
                .name("levqor_abuse_blocks_total")
                .help("IP blocks placed by the abuse guards, by reason (failed_auth)")
                .labelNames("reason")
                .register(metrics.registry());
        abuseRejections = Counter.builder()
                .name("levqor_abuse_rejections_total")
                .help("Requests answered 403 because their IP is blocked")
                .register(metrics.registry());
        webhookVerifications = Counter.builder()
                .name("levqor_webhook_verifications_total")
                .help("Webhook signature checks by source (stripe, slack) and result (verified, missing, malformed, "
                        + "stale, invalid, unconfigured)")
                .labelNames("source", "result")
                .register(metrics.registry());
        refusals = Counter.builder()
                .name("levqor_http_refusals_total")
                .help("5xx answers that refuse by configuration or capacity rather than fail, by reason "
                        + "(admin_key_not_configured, server_busy): not counted in error_rate_total")
                .labelNames("reason")
                .register(metrics.registry());
        rateLimitRedisUp = Gauge.builder()
                .name("levqor_ratelimit_redis_up")
                .help("1 when the shared rate-limit buckets in Redis answer, 0 while local buckets stand in")
                .register(metrics.registry());
    }

    public void rateLimited(String scope) {
        rateLimitRejections.labelValues(scope).inc();
    }

    public void blocked(String reason) {
        abuseBlocks.labelValues(reason).inc();
    }

    public void rejectedBlocked() {
        abuseRejections.inc();
    }

    public void webhookVerification(String source, String result) {
        webhookVerifications.labelValues(source, result).inc();
    }

    /** One 5xx answer that refused by configuration or capacity (its error code). */
    public void refused(String reason) {
        refusals.labelValues(reason).inc();
    }

    public void setRateLimitRedisUp(boolean up) {
        rateLimitRedisUp.set(up ? 1 : 0);
    }
}
