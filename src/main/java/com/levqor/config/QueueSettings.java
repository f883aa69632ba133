package com.levqor.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Jobs and their queue: workers, leases, retries, budgets, payload cap, egress allow-list.
 *
 * @param workerConcurrency   {@code WORKER_CONCURRENCY}: job threads of this process (default {@value #DEFAULT_WORKER_CONCURRENCY}; 0: no workers here)
 * @param workerPrefetch      {@code WORKER_PREFETCH}: most jobs this process holds (claimed, running or waiting for a thread) while jobs
 *                            are short (under 2 ms on average; longer ones: twice the threads) (default {@value #DEFAULT_WORKER_PREFETCH})
 * @param syncQueueMaxJobs    {@code SYNC_QUEUE_MAX_JOBS}: most job ids the in-process queue of sync mode holds; beyond
 *                            them a backlog waits in Postgres and the sweeper refills the queue as it empties
 *                            (default {@value #DEFAULT_SYNC_QUEUE_MAX_JOBS})
 * @param maxPayloadBytes     {@code MAX_PAYLOAD_BYTES}: largest job payload in bytes of JSON; above it 413 (default 200 KiB)
 * @param budgetFreeUnits     {@code BUDGET_FREE_UNITS_PER_DAY}: free plan's daily job budget in units (default {@value #DEFAULT_BUDGET_FREE});
 *                            which plan gets which is the usage ledger's decision ({@code usage.UsageLedger#budget})
 * @param budgetProUnits      {@code BUDGET_PRO_UNITS_PER_DAY}: pro plan's daily job budget in units (default {@value #DEFAULT_BUDGET_PRO})
 * @param httpAllowedHosts    {@code HTTP_REQUEST_ALLOWED_HOSTS}: comma-separated host names or IPs that http.request and
 *                            callbacks may reach even though they are private or loopback (default none)
 * @param leaseSeconds        {@code JOB_LEASE_SECONDS}: a claim's lease; renewed while the job runs (default {@value #DEFAULT_LEASE_SECONDS})
 * @param sweepIntervalMillis {@code SWEEPER_INTERVAL_MS}: how often the sweeper looks for expired leases, due retries and
 *                            undelivered jobs (default {@value #DEFAULT_SWEEP_INTERVAL_MS})
 * @param redispatchAfterMillis {@code REDISPATCH_AFTER_MS}: a queued, due job not claimed this long after its dispatch is
 *                            dispatched again (default {@value #DEFAULT_REDISPATCH_AFTER_MS})
 * @param retryBaseMillis     {@code RETRY_BASE_DELAY_MS}: first retry delay before jitter; doubles each attempt (default {@value #DEFAULT_RETRY_BASE_MS})
 * @param retryMaxMillis      {@code RETRY_MAX_DELAY_MS}: longest retry delay (default {@value #DEFAULT_RETRY_MAX_MS})
 * @param defaultMaxAttempts  {@code DEFAULT_MAX_ATTEMPTS}: attempts of a job that names none (default {@value #DEFAULT_MAX_ATTEMPTS_VALUE})
 * @param defaultTimeoutSeconds {@code DEFAULT_TIMEOUT_SECONDS}: run time limit of a job that names none (default {@value #DEFAULT_TIMEOUT_SECONDS_VALUE})
 * @param shutdownGraceMillis {@code WORKER_SHUTDOWN_GRACE_MS}: how long running jobs may finish at shutdown before they are
 *                            released for another worker (default {@value #DEFAULT_SHUTDOWN_GRACE_MS})
 * @param callbackSecret      {@code CALLBACK_SIGNING_SECRET}: Standard Webhooks secret ({@code whsec_<base64>}) that signs
 *                            callbacks; unset, a random one per process (logged as a warning)
 * @param callbackMaxAttempts {@code CALLBACK_MAX_ATTEMPTS}: deliveries tried per callback (default {@value #DEFAULT_CALLBACK_MAX_ATTEMPTS})
 * @param callbackSenders     {@code CALLBACK_SENDERS}: threads of this process delivering callbacks at once, so a slow
 *                            receiver holds up one of them only (default {@value #DEFAULT_CALLBACK_SENDERS})
 * @param callbackTimeoutSeconds {@code CALLBACK_TIMEOUT_SECONDS}: total time of one delivery, from resolving the host to
 *                            the answer's status, in seconds; later, the delivery failed and is retried
 *                            (default {@value #DEFAULT_CALLBACK_TIMEOUT_SECONDS})
 */
public record QueueSettings(
        int workerConcurrency,
        int workerPrefetch,
        int syncQueueMaxJobs,
        long maxPayloadBytes,
        long budgetFreeUnits,
        long budgetProUnits,
        List<String> httpAllowedHosts,
        int leaseSeconds,
        long sweepIntervalMillis,
        long redispatchAfterMillis,
        long retryBaseMillis,
        long retryMaxMillis,
        int defaultMaxAttempts,
        int defaultTimeoutSeconds,
        long shutdownGraceMillis,
        Optional<String> callbackSecret,
        int callbackMaxAttempts,
        int callbackSenders,
        int callbackTimeoutSeconds) {

    public static final int DEFAULT_WORKER_CONCURRENCY = 16;
    public static final int DEFAULT_WORKER_PREFETCH = 2_048;
    /** ~3 MiB of ids; seconds of work for the default workers on short jobs. */
    public static final int DEFAULT_SYNC_QUEUE_MAX_JOBS = 20_000;
    public static final long DEFAULT_MAX_PAYLOAD_BYTES = 200L * 1024;
    public static final long DEFAULT_BUDGET_FREE = 1_000;
    public static final long DEFAULT_BUDGET_PRO = 100_000;
    public static final int DEFAULT_LEASE_SECONDS = 30;
    public static final long DEFAULT_SWEEP_INTERVAL_MS = 1_000;
    public static final long DEFAULT_REDISPATCH_AFTER_MS = 10_000;
    public static final long DEFAULT_RETRY_BASE_MS = 1_000;
    public static final long DEFAULT_RETRY_MAX_MS = 600_000;
    public static final int DEFAULT_MAX_ATTEMPTS_VALUE = 3;
    public static final int DEFAULT_TIMEOUT_SECONDS_VALUE = 60;
    public static final long DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
    public static final int DEFAULT_CALLBACK_MAX_ATTEMPTS = 8;
    public static final int DEFAULT_CALLBACK_SENDERS = 4;
    public static final int DEFAULT_CALLBACK_TIMEOUT_SECONDS = 10;

    static QueueSettings parse(Env env) {
        Optional<String> allowed = env.optional("HTTP_REQUEST_ALLOWED_HOSTS");
        List<String> hosts = allowed.map(a -> Arrays.stream(a.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
        Optional<String> secret = env.secret("CALLBACK_SIGNING_SECRET");
        if (secret.isPresent() && !secret.get().matches("(whsec_)?[A-Za-z0-9+/]{16,}={0,2}")) {
            env.problem("CALLBACK_SIGNING_SECRET", "****", "whsec_ followed by at least 16 base64 characters");
        }
        return new QueueSettings(
                env.integer("WORKER_CONCURRENCY", DEFAULT_WORKER_CONCURRENCY, 0, 1_024),
                env.integer("WORKER_PREFETCH", DEFAULT_WORKER_PREFETCH, 1, 100_000),
                env.integer("SYNC_QUEUE_MAX_JOBS", DEFAULT_SYNC_QUEUE_MAX_JOBS, 100, 10_000_000),
                env.longValue("MAX_PAYLOAD_BYTES", DEFAULT_MAX_PAYLOAD_BYTES, 2, 64L * 1024 * 1024),
                env.longValue("BUDGET_FREE_UNITS_PER_DAY", DEFAULT_BUDGET_FREE, 0, Long.MAX_VALUE / 4),
                env.longValue("BUDGET_PRO_UNITS_PER_DAY", DEFAULT_BUDGET_PRO, 0, Long.MAX_VALUE / 4),
                hosts,
                env.integer("JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS, 1, 3_600),
                env.longValue("SWEEPER_INTERVAL_MS", DEFAULT_SWEEP_INTERVAL_MS, 10, 600_000),
                env.longValue("REDISPATCH_AFTER_MS", DEFAULT_REDISPATCH_AFTER_MS, 100, 3_600_000),
                env.longValue("RETRY_BASE_DELAY_MS", DEFAULT_RETRY_BASE_MS, 1, 3_600_000),
                env.longValue("RETRY_MAX_DELAY_MS", DEFAULT_RETRY_MAX_MS, 1, 86_400_000),
                env.integer("DEFAULT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS_VALUE, 1, 100),
                env.integer("DEFAULT_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS_VALUE, 1, 86_400),
                env.longValue("WORKER_SHUTDOWN_GRACE_MS", DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
                secret,
                env.integer("CALLBACK_MAX_ATTEMPTS", DEFAULT_CALLBACK_MAX_ATTEMPTS, 1, 50),
                env.integer("CALLBACK_SENDERS", DEFAULT_CALLBACK_SENDERS, 1, 64),
                env.integer("CALLBACK_TIMEOUT_SECONDS", DEFAULT_CALLBACK_TIMEOUT_SECONDS, 1, 300));
    }
}
