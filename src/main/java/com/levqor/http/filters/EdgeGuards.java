package com.levqor.http.filters;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.abuse.AbuseBlocks;
import com.levqor.abuse.AbuseHandlers;
import com.levqor.accounts.AccountService;
import com.levqor.config.EdgeSettings;
import com.levqor.config.Flags;
import com.levqor.config.Settings;
import com.levqor.redis.RedisConnections;
import com.levqor.crypto.AdminKey;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.FlagsHandler;
import com.levqor.ops.HealthService;
import com.levqor.ops.Metrics;
import com.levqor.webhooks.SlackStatus;
import com.levqor.webhooks.StripeEvents;
import com.levqor.webhooks.WebhookEvents;
import com.levqor.webhooks.WebhookHandlers;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jooq.DSLContext;

/**
 * The edge guards of one process, each behind its runbook flag, wired together: security headers
 * and CORS, abuse guards, rate limits (per IP before authentication, per API key after it), the
 * Jetty slow-client cut-off, and the webhook, flags and abuse admin handlers for the route table.
 */
public final class EdgeGuards implements AutoCloseable {
    private final SecurityHeaders securityHeaders;
    private final AbuseGuard abuseGuard;
    private final RateLimiting rateLimiting;
    private final RateLimitBuckets buckets;
    private final AbuseHandlers abuseHandlers;
    private final WebhookHandlers webhookHandlers;
    private final FlagsHandler flagsHandler;
    private final long minRequestDataRate;
    private final ClientIp clientIp;

    public EdgeGuards(Settings settings, DSLContext db, Metrics metrics, Clock clock, AdminKey adminKey,
                      Authentication authentication,
                      AccountService accounts, HealthService health, ObjectMapper mapper,
                      Supplier<Map<String, Object>> queueFacts, Optional<RedisConnections> redis,
                      StripeEvents stripeEvents) {
        Flags flags = settings.flags();
        EdgeSettings edge = settings.edge();
        EdgeMetrics edgeMetrics = new EdgeMetrics(metrics);
        ClientIp clientIp = new ClientIp(edge.trustedProxies());
        this.securityHeaders = new SecurityHeaders(flags.securityHeaders(), edge.corsAllowedOrigins());
        AbuseBlocks blocks = new AbuseBlocks(db, clock, Duration.ofSeconds(edge.blockSeconds()),
                edge.escalateAfterBlocks(), Duration.ofSeconds(edge.escalatedBlockSeconds()));
        this.abuseGuard = new AbuseGuard(flags.abuseGuards(), edge, adminKey, blocks, clientIp,
                edgeMetrics, clock, redis);
        authentication.onFailure(abuseGuard);
        this.buckets = new RateLimitBuckets(flags.rateLimit() ? redis : Optional.empty(), edgeMetrics);
        this.rateLimiting = new RateLimiting(flags.rateLimit(), edge, buckets, clientIp, edgeMetrics, clock);
        this.abuseHandlers = new AbuseHandlers(blocks, clock, abuseGuard::reset);
        this.webhookHandlers = new WebhookHandlers(flags.webhookVerifyAll(), edge, new WebhookEvents(db, clock),
                stripeEvents, new SlackStatus(statusFacts(health, queueFacts)), edgeMetrics, mapper, clock,
                accounts::clearCache);
        this.flagsHandler = new FlagsHandler(settings, () -> flags.rateLimit() ? buckets.store() : "off");
        this.minRequestDataRate = flags.abuseGuards() ? edge.minRequestDataRate() : 0;
        this.clientIp = clientIp;
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

    /** Filters that run before authentication, in this order. */
    public List<Consumer<RoutesConfig>> beforeAuthentication() {
        return List.of(securityHeaders::register, abuseGuard::register, rateLimiting::registerBeforeAuthentication);
    }

    /** Filters that need the authenticated caller. */
    public List<Consumer<RoutesConfig>> afterAuthentication() {
        return List.of(rateLimiting::registerAfterAuthentication);
    }

    /**
     * Jetty settings: security headers on Jetty's own error answers, and the minimum request data
     * rate that cuts slow clients off (ABUSE_GUARDS_ENABLED).
     */
    public Consumer<JavalinConfig> jetty() {
        return cfg -> {
            cfg.jetty.modifyServer(server -> server.setErrorHandler(
                    securityHeaders.wrapJettyErrors(server.getErrorHandler())));
            if (minRequestDataRate > 0) {
                cfg.jetty.modifyHttpConfiguration(http -> http.setMinRequestDataRate(minRequestDataRate));
            }
        };
    }

    public SecurityHeaders securityHeaders() {
        return securityHeaders;
    }

    /**
     * Bytes per second below which a request body is cut off with a 408 (MIN_REQUEST_DATA_RATE with
     * the abuse guards on; 0: no minimum). Jetty's servlet layer holds Javalin's routes to it; the
     * direct routes, on Jetty's core API, hold themselves to it.
     */
    public long minRequestDataRate() {
        return minRequestDataRate;
    }

    public AbuseGuard abuseGuard() {
        return abuseGuard;
    }

    public RateLimiting rateLimiting() {
        return rateLimiting;
    }

    public ClientIp clientIp() {
        return clientIp;
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

    @Override
    public void close() {
        // the Redis pool belongs to the composition root
    }
}
