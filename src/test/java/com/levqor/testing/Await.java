package com.levqor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a generous deadline: behaviour checks, never speed checks. */
public final class Await {
    private Await() {
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            sleep(20);
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for: " + what);
        }
    }

    public static <T> T value(String what, Duration timeout, Supplier<T> supplier, java.util.function.Predicate<T> ok) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = supplier.get();
            if (ok.test(last)) {
                return last;
            }
            sleep(20);
        }
        throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for: " + what + "; last: " + last);
    }

    /** Polls a job's status until it has the given status; returns the status answer. */
    public static JsonNode status(TestServer server, String key, String jobId, String status, Duration timeout) {
        return value("job " + jobId + " to be " + status, timeout,
                () -> server.get("/api/v1/status/" + jobId, TestServer.bearer(key)).json(),
                j -> status.equals(j.path("status").asText()));
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
