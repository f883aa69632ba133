package com.levqor.connectors;

import com.levqor.config.ConnectorSettings;
import com.levqor.api.ApiException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One outgoing provider (Stripe, Resend) as the process sees it: whether it is configured, one
 * resilience4j circuit breaker, and the time and reason of its last success and failure for
 * {@code GET /ops/connectors}. Callers ask {@link #permit()} before a call and report its outcome
 * with {@link #succeeded} or {@link #failed}; only failures of the provider count (network errors,
 * timeouts, 5xx), never a refusal of our request (4xx) — those are {@link #answered answers}.
 */
public final class Connector {
    /** The connector's state as {@code /ops/connectors} shows it. */
    public enum State {
        OK, FAILING, NOT_CONFIGURED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A snapshot of the connector for {@code /ops/connectors}. */
    public record Status(State state, Instant lastSuccessAt, Instant lastFailureAt, String lastError, String circuit) {
    }

    private final String name;
    private final boolean configured;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private volatile Instant lastSuccessAt;
    private volatile Instant lastFailureAt;
    private volatile String lastError;

    public Connector(String name, boolean configured, ConnectorSettings settings, Clock clock) {
        this.name = name;
        this.configured = configured;
        this.clock = clock;
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.windowCalls())
                .minimumNumberOfCalls(settings.windowCalls())
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(Duration.ofMillis(settings.openMillis()))
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    }

    public String name() {
        return name;
    }

    public boolean configured() {
        return configured;
    }

    /** True when a call may go out now; false while the circuit is open (fail fast). */
    public boolean permit() {
        return breaker.tryAcquirePermission();
    }

    /** The call succeeded. */
    public void succeeded(long nanos) {
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        lastSuccessAt = clock.instant();
    }

    /**
     * The provider answered, refusing our request (a 4xx): it is up, so this counts as a success of
     * the circuit, but the reason is kept for the operator.
     */
    public void answered(long nanos) {
        succeeded(nanos);
    }

    /** The provider failed (network error, timeout, 5xx). */
    public void failed(long nanos, String error) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, new ProviderFailure(error));
        lastFailureAt = clock.instant();
        lastError = error;
    }

    /** A call permitted by {@link #permit()} that was not made after all (e.g. the rate cap). */
    public void released() {
        breaker.releasePermission();
    }

    /** The circuit: {@code closed}, {@code open} or {@code half_open}. */
    public String circuit() {
        return switch (breaker.getState()) {
            case OPEN, FORCED_OPEN -> "open";
            case HALF_OPEN -> "half_open";
            default -> "closed";
        };
    }

    /** The answer to a request that needs this provider while it cannot be reached: 503 {@code <name>_unavailable}. */
    public ApiException unavailable(String why) {
        return new ApiException(503, name + "_unavailable", why);
    }

    public boolean circuitOpen() {
        return "open".equals(circuit());
    }

    public Status status() {
        Instant ok = lastSuccessAt;
        Instant bad = lastFailureAt;
        State state;
        if (!configured) {
            state = State.NOT_CONFIGURED;
        } else if (circuitOpen() || (bad != null && (ok == null || bad.isAfter(ok)))) {
            state = State.FAILING;
        } else {
            state = State.OK;
        }
        return new Status(state, ok, bad, lastError, circuit());
    }

    /** The breaker's record of a provider failure; never thrown. */
    private static final class ProviderFailure extends RuntimeException {
        ProviderFailure(String message) {
            super(message, null, false, false);
        }
    }
}
