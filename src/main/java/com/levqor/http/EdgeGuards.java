package com.levqor.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.abuse.AbuseBlocks;
import com.levqor.abuse.AbuseBlocksRefresh;
import com.levqor.abuse.AbuseHandlers;
import com.levqor.accounts.AccountService;
import com.levqor.api.JsonBody;
import com.levqor.config.EdgeSettings;
import com.levqor.config.Flags;
import com.levqor.config.Settings;
import com.levqor.crypto.AdminKey;
import com.levqor.edge.AbuseGuard;
import com.levqor.edge.Authentication;
import com.levqor.edge.BodyLimits;
import com.levqor.edge.ClientIp;
import com.levqor.edge.Cors;
import com.levqor.edge.EdgeChain;
import com.levqor.edge.RateLimitBuckets;
import com.levqor.edge.RateLimits;
import com.levqor.edge.SecurityHeaders;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.FlagsHandler;
import com.levqor.ops.HealthService;
import com.levqor.ops.Metrics;
import com.levqor.redis.RedisConnections;
import com.levqor.runtime.Duty;
import com.levqor.webhooks.SlackStatus;
import com.levqor.webhooks.StripeEvents;
import com.levqor.webhooks.WebhookEvents;
import com.levqor.webhooks.WebhookHandlers;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.slf4j.LoggerFactory;

/**
 * The edge of one process, wired together: the {@link EdgeChain} (security headers and CORS, body
 * limits, abuse guards, rate limits per IP and per API key, authentication), each guard behind its
 * runbook flag, with what its two adapters share ({@link #direct} for the direct routes; the
 * Javalin filters are built by {@link HttpServer}), and the webhook, flags and abuse admin handlers
 * for the route table. {@link #duties()} are the background duties the scheduler must run.
 */
public final class EdgeGuards {
    private final EdgeChain chain;
    private final SecurityHeaderFields securityHeaderFields;
    private final AbuseGuard abuseGuard;
    private final AbuseBlocks blocks;
    private final AbuseHandlers abuseHandlers;
    private final WebhookHandlers webhookHandlers;
    private final FlagsHandler flagsHandler;
    private final RequestObserver observer;
    private final BytesInFlight bytesInFlight;

    public EdgeGuards(Settings settings, DSLContext db, Metrics metrics, ErrorReporter reporter, Clock clock,
                      AdminKey adminKey, AccountService accounts, HealthService health, ObjectMapper mapper,
                      Supplier<Map<String, Object>> queueFacts, Optional<RedisConnections> redis,
                      StripeEvents stripeEvents) {
        Flags flags = settings.flags();
        EdgeSettings edge = settings.edge();
        EdgeMetrics edgeMetrics = new EdgeMetrics(metrics);
        ClientIp clientIp = new ClientIp(edge.trustedProxies());
        this.blocks = new AbuseBlocks(db, clock, Duration.ofSeconds(edge.blockSeconds()),
                edge.escalateAfterBlocks(), Duration.ofSeconds(edge.escalatedBlockSeconds()));
        if (flags.abuseGuards()) {
            loadBlocks(blocks);
        }
        this.abuseGuard = new AbuseGuard(flags.abuseGuards(), edge, adminKey, blocks, clientIp,
                edgeMetrics, clock, redis);
        RateLimitBuckets buckets = new RateLimitBuckets(flags.rateLimit() ? redis : Optional.empty(), edgeMetrics);
        this.chain = new EdgeChain(new SecurityHeaders(flags.securityHeaders()), new Cors(edge.corsAllowedOrigins()),
                new BodyLimits(settings.http().maxBodyBytes(), flags.abuseGuards() ? edge.minRequestDataRate() : 0),
                abuseGuard, new RateLimits(flags.rateLimit(), edge, buckets, clientIp, edgeMetrics, clock),
                new Authentication(accounts, adminKey, abuseGuard), clientIp);
        this.securityHeaderFields = new SecurityHeaderFields(flags.securityHeaders());
        this.abuseHandlers = new AbuseHandlers(blocks, clock, abuseGuard::reset);
        this.webhookHandlers = new WebhookHandlers(flags.webhookVerifyAll(), edge, new WebhookEvents(db, clock),
                stripeEvents, new SlackStatus(statusFacts(health, queueFacts)), edgeMetrics, mapper, clock,
                accounts::clearCache);
        this.flagsHandler = new FlagsHandler(settings, () -> flags.rateLimit() ? buckets.store() : "off");
        this.observer = new RequestObserver(metrics, edgeMetrics, reporter);
        this.bytesInFlight = new BytesInFlight(settings.http().intakeMaxBytesInFlight());
    }

    /** The first copy of the blocks, before the first request; the refresh duty keeps it fresh. */
    private static void loadBlocks(AbuseBlocks blocks) {
        try {
            blocks.refresh();
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(EdgeGuards.class).warn(
                    "Could not load the abuse blocks ({}); they apply once the database answers", e.getMessage());
        }
    }

    /** The background duties of the edge, for the scheduler: reloading the copy of the abuse blocks. */
    public List<Duty> duties() {
        return abuseGuard.enabled() ? List.of(new AbuseBlocksRefresh(blocks)) : List.of();
    }

    /** The status facts of {@code /levqor status}: the uptime probe and the queue's health. */
    private static Supplier<Map<String, Object>> statusFacts(HealthService health,
                                                             Supplier<Map<String, Object>> queueFacts) {
        return () -> {
            HealthService.Uptime u = health.uptime();
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("status", u.status());
            facts.put("services", u.services());
            facts.put("queue", queueFacts.get());
            facts.put("version", u.version());
            return facts;
        };
    }

    EdgeChain chain() {
        return chain;
    }

    SecurityHeaderFields securityHeaderFields() {
        return securityHeaderFields;
    }

    RequestObserver observer() {
        return observer;
    }

    /** What the direct routes share with the Javalin server. */
    public DirectRoute.Shared direct(JsonBody json, ObjectMapper mapper, ErrorReporter reporter) {
        return new DirectRoute.Shared(chain, securityHeaderFields, json, mapper, observer, reporter, bytesInFlight);
    }

    public AbuseHandlers abuse() {
        return abuseHandlers;
    }

    public WebhookHandlers webhooks() {
        return webhookHandlers;
    }

    public FlagsHandler flags() {
        return flagsHandler;
    }
}
