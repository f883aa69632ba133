package com.levqor.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.config.BillingSettings;
import com.levqor.connectors.Connector;
import com.levqor.api.ApiException;
import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeCollection;
import com.stripe.model.Subscription;
import com.stripe.net.RequestOptions;
import com.stripe.param.SubscriptionListParams;
import java.io.IOException;
import java.util.Optional;

/**
 * Every call Levqor makes to Stripe, through stripe-java's {@link StripeClient} pointed at
 * {@code STRIPE_API_BASE}, behind the {@code stripe} connector's circuit breaker: while it is open,
 * or when Stripe fails (network error, timeout, 5xx), callers get {@code 503 stripe_unavailable}.
 * A refusal of our request (a 4xx other than "not found") is {@code 502 stripe_request_failed}
 * with Stripe's message. Objects read back are handed on as Stripe's own JSON, so that webhook
 * bodies and read-backs go through the same code.
 */
public final class StripeGateway {
    /** A call into stripe-java. */
    @FunctionalInterface
    interface StripeCall<T> {
        T call(StripeClient client) throws StripeException;
    }

    private final Optional<StripeClient> client;
    private final Connector connector;
    private final ObjectMapper mapper;

    public StripeGateway(BillingSettings settings, Connector connector, ObjectMapper mapper) {
        this.connector = connector;
        this.mapper = mapper;
        this.client = settings.secretKey().map(key -> StripeClient.builder()
                .setApiKey(key)
                .setApiBase(trimSlash(settings.apiBase().toString()))
                .setConnectTimeout(settings.timeoutMillis())
                .setReadTimeout(settings.timeoutMillis())
                // Retries are ours (webhooks are redelivered by Stripe, requests carry idempotency keys).
                .setMaxNetworkRetries(0)
                .build());
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Whether a secret key is set (reads and read-backs are possible). */
    public boolean configured() {
        return client.isPresent();
    }

    /** Runs one call through the breaker; empty when Stripe answers 404 (no such object). */
    <T> Optional<T> call(String what, StripeCall<T> call) {
        StripeClient c = client.orElseThrow(() -> new IllegalStateException("STRIPE_SECRET_KEY is not set"));
        if (!connector.permit()) {
            throw connector.unavailable("Stripe is not being called: its circuit is open after repeated failures. "
                    + "Retry in a minute; GET /ops/connectors shows its state.");
        }
        long start = System.nanoTime();
        try {
            T result = call.call(c);
            connector.succeeded(System.nanoTime() - start);
            return Optional.ofNullable(result);
        } catch (ApiConnectionException e) {
            connector.failed(System.nanoTime() - start, what + ": " + e.getMessage());
            throw connector.unavailable("Stripe could not be reached (" + what + "): " + e.getMessage());
        } catch (StripeException e) {
            int status = e.getStatusCode() == null ? 0 : e.getStatusCode();
            if (status >= 500 || status == 0 || status == 429) {
                connector.failed(System.nanoTime() - start, what + ": " + status + " " + e.getMessage());
                throw connector.unavailable("Stripe failed (" + what + "): " + status + " " + e.getMessage());
            }
            connector.answered(System.nanoTime() - start);
            if (status == 404) {
                return Optional.empty();
            }
            throw new ApiException(502, "stripe_request_failed", "Stripe refused " + what + ": " + e.getMessage());
        }
    }

    /** Stripe's JSON of an object read with stripe-java (its last response's body). */
    JsonNode json(com.stripe.net.StripeResponse response) {
        try {
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw connector.unavailable("Stripe answered with JSON that cannot be read: " + e.getMessage());
        }
    }

    /** {@code GET /v1/events/{id}}: the event as Stripe knows it, or empty when Stripe does not know it. */
    public Optional<JsonNode> event(String id) {
        return call("GET /v1/events/" + id, c -> c.events().retrieve(id)).map(e -> json(e.getLastResponse()));
    }

    /** {@code GET /v1/subscriptions/{id}}, or empty when there is no such subscription. */
    public Optional<JsonNode> subscription(String id) {
        return call("GET /v1/subscriptions/" + id, c -> c.subscriptions().retrieve(id))
                .map(s -> json(s.getLastResponse()));
    }

    /** The customer's newest subscription in any status, or empty. */
    public Optional<JsonNode> newestSubscription(String customer) {
        Optional<StripeCollection<Subscription>> list = call("GET /v1/subscriptions?customer=" + customer,
                c -> c.subscriptions().list(SubscriptionListParams.builder().setCustomer(customer)
                        .setStatus(SubscriptionListParams.Status.ALL).setLimit(1L).build()));
        return list.map(l -> json(l.getLastResponse()).path("data")).filter(d -> d.size() > 0).map(d -> d.get(0));
    }

    static RequestOptions idempotent(String key) {
        return RequestOptions.builder().setIdempotencyKey(key).build();
    }
}
