package com.levqor.config;

/**
 * The HTTP server.
 *
 * @param port         {@code PORT}: TCP port to listen on (default {@value #DEFAULT_PORT}; 0 picks a free one)
 * @param host         {@code HOST}: address to bind (default {@value #DEFAULT_HOST}, every interface)
 * @param maxThreads   {@code HTTP_MAX_THREADS}: Jetty worker threads (default {@value #DEFAULT_MAX_THREADS})
 * @param maxBodyBytes {@code MAX_BODY_BYTES}: largest request body in bytes; above it 413 (default 512 KiB)
 * @param shutdownGraceMillis {@code SHUTDOWN_GRACE_MS}: how long in-flight requests may finish on SIGTERM
 * @param shutdownDrainMillis {@code SHUTDOWN_DRAIN_MS}: on SIGTERM, how long {@code /readyz} answers 503 while
 *                     every other route is still served, before the graceful stop (default
 *                     {@value #DEFAULT_SHUTDOWN_DRAIN_MS}; 0: no drain)
 * @param intakeMaxBytesInFlight {@code INTAKE_MAX_BYTES_IN_FLIGHT}: bytes of intake request bodies held at once
 *                     (each by its declared length, from the first byte read until its answer); beyond it
 *                     503 {@code server_busy} with Retry-After (default an eighth of the JVM's maximum heap,
 *                     at most 64 MiB and never below MAX_BODY_BYTES: 16 MiB with the launcher's 128 MiB heap)
 */
public record HttpSettings(int port, String host, int maxThreads, long maxBodyBytes, long shutdownGraceMillis,
                           long intakeMaxBytesInFlight, long shutdownDrainMillis) {
    public static final int DEFAULT_PORT = 5000;
    public static final String DEFAULT_HOST = "0.0.0.0";
    /**
     * Enough for the routes Javalin serves on pool threads (the hot intake and status routes are served
     * on the selector); each thread more costs stack and allocator memory when a burst wakes it.
     */
    public static final int DEFAULT_MAX_THREADS = 32;
    public static final long DEFAULT_MAX_BODY_BYTES = 512L * 1024;
    public static final long DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
    /** Long enough for a load balancer probing every 1-2 s to see two failures and stop sending. */
    public static final long DEFAULT_SHUTDOWN_DRAIN_MS = 5_000;
    /** The most {@code INTAKE_MAX_BYTES_IN_FLIGHT} defaults to, on a large heap. */
    public static final long MAX_DEFAULT_INTAKE_BYTES_IN_FLIGHT = 64L * 1024 * 1024;

    /**
     * {@code INTAKE_MAX_BYTES_IN_FLIGHT}'s default for a heap of {@code maxHeapBytes}: an eighth of it
     * (a body held is parsed and stored while it is held, and the process stops on running out of
     * heap), at most {@link #MAX_DEFAULT_INTAKE_BYTES_IN_FLIGHT}, at least one body of the largest size.
     */
    public static long defaultIntakeMaxBytesInFlight(long maxHeapBytes, long maxBodyBytes) {
        return Math.max(maxBodyBytes, Math.min(MAX_DEFAULT_INTAKE_BYTES_IN_FLIGHT, maxHeapBytes / 8));
    }

    static HttpSettings parse(Env env) {
        long maxBody = env.longValue("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1_024, 1L << 30);
        long inFlight = env.longValue("INTAKE_MAX_BYTES_IN_FLIGHT",
                defaultIntakeMaxBytesInFlight(Runtime.getRuntime().maxMemory(), maxBody), 1_024, 1L << 40);
        if (inFlight < maxBody) {
            env.problem("INTAKE_MAX_BYTES_IN_FLIGHT", Long.toString(inFlight),
                    "at least MAX_BODY_BYTES (" + maxBody + "), or a body of the largest size is never accepted");
        }
        return new HttpSettings(
                env.integer("PORT", DEFAULT_PORT, 0, 65_535),
                env.string("HOST", DEFAULT_HOST),
                env.integer("HTTP_MAX_THREADS", DEFAULT_MAX_THREADS, 8, 4_096),
                maxBody,
                env.longValue("SHUTDOWN_GRACE_MS", DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
                inFlight,
                env.longValue("SHUTDOWN_DRAIN_MS", DEFAULT_SHUTDOWN_DRAIN_MS, 0, 600_000));
    }
}
