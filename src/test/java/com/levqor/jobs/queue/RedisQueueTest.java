package com.levqor.jobs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.Priority;
import com.levqor.config.RedisSettings;
import com.levqor.redis.RedisConnections;
import com.levqor.testing.TestRedis;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The worker's side of the async queue: an idle take waits on the wake-up list and takes reliably. */
class RedisQueueTest {

    /** A pool of that many connections with a 1 s socket timeout for ordinary commands. */
    private static RedisConnections connections(TestRedis redis, int size) {
        return RedisConnections.open(new RedisSettings(Optional.of(URI.create(redis.url())), size, 1_000, 250))
                .orElseThrow();
    }

    @Test
    void idleTakeReturnsAnIdPushedWhileItWaitsAndKeepsItInTheProcessingList() throws Exception {
        try (TestRedis redis = TestRedis.start();
             RedisConnections pool = connections(redis, 4);
             RedisClient client = RedisClient.create(URI.create(redis.url()))) {
            RedisQueue queue = new RedisQueue(pool, "w1");
            JobRef ref = new JobRef(UUID.randomUUID(), Priority.HIGH);
            CompletableFuture<List<JobRef>> taken = CompletableFuture.supplyAsync(() -> queue.take(10, 5_000));
            Thread.sleep(200); // the take is waiting by now
            assertThat(taken).isNotDone();
            long t0 = System.nanoTime();
            queue.push(List.of(ref));

            assertThat(taken.get(2, TimeUnit.SECONDS)).containsExactly(ref);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
            assertThat(client.lrange(RedisQueue.PROCESSING + "w1", 0, -1)).containsExactly(ref.id().toString());
            assertThat(queue.waiting()).isZero();

            queue.done(List.of(ref.id()));
            assertThat(client.llen(RedisQueue.PROCESSING + "w1")).isZero();
        }
    }

    @Test
    void idleTakeWaitsLongerThanTheSocketTimeoutAndTheConnectionStaysUsable() {
        try (TestRedis redis = TestRedis.start();
             RedisConnections pool = connections(redis, 1)) {
            RedisQueue queue = new RedisQueue(pool, "w1");
            long t0 = System.nanoTime();
            // 1.5 s is longer than the 1 s socket timeout of ordinary commands: the wait uses the blocking one.
            assertThat(queue.take(10, 1_500)).isEmpty();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(1_400);

            // The pool's only connection is back to the ordinary timeout and works for the next take.
            JobRef ref = new JobRef(UUID.randomUUID(), Priority.NORMAL);
            queue.push(List.of(ref));
            assertThat(queue.take(10, 1_500)).containsExactly(ref);
            queue.ping();
        }
    }

    @Test
    void idleTakeWokenByAnIdAnotherWorkerTookReturnsEmpty() {
        try (TestRedis redis = TestRedis.start();
             RedisConnections pool = connections(redis, 2);
             RedisConnections otherPool = connections(redis, 2)) {
            RedisQueue queue = new RedisQueue(pool, "w1");
            RedisQueue other = new RedisQueue(otherPool, "w2");
            queue.push(List.of(new JobRef(UUID.randomUUID(), Priority.LOW)));
            assertThat(other.take(10, 0)).hasSize(1); // taken without consuming its wake-up token

            long t0 = System.nanoTime();
            assertThat(queue.take(10, 5_000)).isEmpty(); // the stale token ends the wait at once
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2_000);
        }
    }
}
