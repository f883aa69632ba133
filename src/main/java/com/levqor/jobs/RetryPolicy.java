package com.levqor.jobs;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: the n-th retry waits {@code base * 2^(n-1)}, capped at
 * {@code max}, then drawn uniformly from its upper half so retries of many jobs spread out.
 */
public final class RetryPolicy {
    private final long baseMillis;
    private final long maxMillis;

    public RetryPolicy(long baseMillis, long maxMillis) {
        this.baseMillis = baseMillis;
        this.maxMillis = Math.max(baseMillis, maxMillis);
    }

    /** The delay before the attempt after {@code failedAttempt} (1 for the first failure). */
    public Duration delayAfter(int failedAttempt) {
        int shift = Math.min(Math.max(failedAttempt - 1, 0), 40);
        long ceiling = baseMillis > (maxMillis >> shift) ? maxMillis : Math.min(maxMillis, baseMillis << shift);
        long half = ceiling / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }
}
