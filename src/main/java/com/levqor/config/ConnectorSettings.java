package com.levqor.config;

/**
 * The circuit breakers in front of Stripe and Resend (one per provider): a provider that keeps
 * failing is not hammered, and requests that need it fail fast with {@code 503 <provider>_unavailable}.
 *
 * @param failureRatePercent {@code CIRCUIT_FAILURE_RATE_PERCENT}: share of failed calls among the last
 *                           {@code CIRCUIT_WINDOW_CALLS} that opens the circuit (default {@value #DEFAULT_FAILURE_RATE_PERCENT})
 * @param windowCalls        {@code CIRCUIT_WINDOW_CALLS}: how many recent calls are judged, and the fewest before it can open (default {@value #DEFAULT_WINDOW_CALLS})
 * @param openMillis         {@code CIRCUIT_OPEN_MS}: how long an open circuit refuses calls before letting trial calls through (default {@value #DEFAULT_OPEN_MS} ms)
 */
public record ConnectorSettings(int failureRatePercent, int windowCalls, long openMillis) {
    public static final int DEFAULT_FAILURE_RATE_PERCENT = 50;
    public static final int DEFAULT_WINDOW_CALLS = 10;
    public static final long DEFAULT_OPEN_MS = 30_000;

    static ConnectorSettings parse(Env env) {
        return new ConnectorSettings(
                env.integer("CIRCUIT_FAILURE_RATE_PERCENT", DEFAULT_FAILURE_RATE_PERCENT, 1, 100),
                env.integer("CIRCUIT_WINDOW_CALLS", DEFAULT_WINDOW_CALLS, 1, 1_000),
                env.longValue("CIRCUIT_OPEN_MS", DEFAULT_OPEN_MS, 10, 3_600_000));
    }
}
