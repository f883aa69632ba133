package com.levqor.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;

/**
 * A steady intake load: a few client threads, each posting {@code chaos.record} jobs one after the
 * other (a short pause between), to the process the target supplier names at that moment. Bounded in
 * count and time: it stops by itself after {@code maxRequests} or {@code maxSeconds}, whichever first.
 * Every request's fate is kept as an {@link Outcome}.
 */
public final class Load implements AutoCloseable {
    /**
     * One intake request: when it started and ended (System.nanoTime), its status, error code, job id,
     * and whether the answer carried the rate-limit headers.
     */
    public record Outcome(long startedNanos, long endedNanos, int status, String error, String jobId,
                          boolean rateLimitHeaders) {
        public long millis() {
            return (endedNanos - startedNanos) / 1_000_000;
        }
    }

    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger sent = new AtomicInteger();
    private final List<Thread> clients = new ArrayList<>();

    /**
     * @param target   which process to send the next request to (a scenario may switch it, as a load balancer would)
     * @param key      the API key
     * @param records  the folder the workflow records executions in
     * @param jobMillis how long each job runs
     */
    public Load(Supplier<ChaosHttp> target, String key, Path records, int clientCount, long jobMillis, long pauseMillis,
                int maxRequests, long maxSeconds) {
        this(target, key, records, clientCount, n -> jobMillis, pauseMillis, maxRequests, maxSeconds);
    }

    /** As above, the n-th job (from 1) running {@code jobMillis.applyAsLong(n)} ms. */
    public Load(Supplier<ChaosHttp> target, String key, Path records, int clientCount, IntToLongFunction jobMillis,
                long pauseMillis, int maxRequests, long maxSeconds) {
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        for (int c = 0; c < clientCount; c++) {
            Thread t = new Thread(() -> {
                while (running.get() && System.nanoTime() < deadline) {
                    int n = sent.incrementAndGet();
                    if (n > maxRequests) {
                        break;
                    }
                    String body = "{\"workflow\":\"" + RecordingWorkflow.NAME + "\",\"payload\":{\"dir\":\""
                            + records.toAbsolutePath() + "\",\"ms\":" + jobMillis.applyAsLong(n) + ",\"n\":" + n + "}}";
                    long started = System.nanoTime();
                    ChaosHttp.Answer a = target.get().post("/api/v1/intake", body, "Authorization", "Bearer " + key);
                    String id = a.status() == 202 ? a.json().path("job_id").asText(null) : null;
                    outcomes.add(new Outcome(started, System.nanoTime(), a.status(), a.errorCode(), id,
                            a.header("X-RateLimit-Limit") != null));
                    pause(pauseMillis);
                }
            }, "chaos-client-" + c);
            t.setDaemon(true);
            clients.add(t);
        }
        clients.forEach(Thread::start);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int count() {
        return outcomes.size();
    }

    /** Acknowledged (202) so far. */
    public long acknowledged() {
        return outcomes.stream().filter(o -> o.status() == 202).count();
    }

    /** Every outcome so far (the load goes on). */
    public List<Outcome> snapshot() {
        return new ArrayList<>(outcomes);
    }

    /** When the first 202 of a request started after {@code nanos} (System.nanoTime) arrived, or -1. */
    public long firstAcknowledgedAfter(long nanos) {
        return outcomes.stream().filter(o -> o.status() == 202 && o.startedNanos() > nanos)
                .mapToLong(Outcome::endedNanos).min().orElse(-1);
    }

    /**
     * Waits for a 202 to a request started after {@code nanos} (System.nanoTime); when it arrived. Fails
     * at once, saying so, when the load ended first (its count or time bound reached).
     */
    public long awaitAcknowledgedAfter(String what, long nanos, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long at = firstAcknowledgedAfter(nanos);
            if (at > 0) {
                return at;
            }
            if (clients.stream().noneMatch(Thread::isAlive)) {
                throw new AssertionError("The load ended (" + outcomes.size() + " requests) before " + what
                        + ": raise its bounds");
            }
            pause(20);
        }
        throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for " + what);
    }

    /** When the first 202 answered after {@code nanos} (System.nanoTime) arrived, or -1. */
    public long firstAcknowledgedEndingAfter(long nanos) {
        return outcomes.stream().filter(o -> o.status() == 202 && o.endedNanos() > nanos)
                .mapToLong(Outcome::endedNanos).min().orElse(-1);
    }

    /** Stops the clients and waits for their last requests; every outcome. */
    public List<Outcome> stop() {
        running.set(false);
        for (Thread t : clients) {
            try {
                t.join(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new ArrayList<>(outcomes);
    }

    @Override
    public void close() {
        stop();
    }
}
