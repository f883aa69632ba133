package com.levqor.jobs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.config.RedisSettings;
import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.Priority;
import com.levqor.redis.RedisConnections;
import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Committed jobs reach workers through the hand-off: pushed to Redis by its own thread in async
 * mode (everything handed off before close is pushed, then the thread ends), given to the in-process
 * pool at once in sync mode.
 */
class DispatchHandOffTest {
    /** The dispatcher's state goes nowhere here. */
    private static final Dispatcher.StateListener NO_STATE = (async, redisUp) -> { };

    private static List<JobRef> refs(int n) {
        List<JobRef> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            refs.add(new JobRef(UUID.randomUUID(), Priority.NORMAL));
        }
        return refs;
    }

    private static boolean threadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().equals("levqor-handoff-test"));
    }

    @Test
    void inAsyncModeItsThreadPushesEverythingHandedOffThenStopsOnClose() {
        try (TestRedis redis = TestRedis.start();
             RedisConnections pool = RedisConnections.open(new RedisSettings(Optional.of(URI.create(redis.url())), 4,
                     1_000, 250)).orElseThrow();
             RedisClient client = RedisClient.create(URI.create(redis.url()))) {
            pool.health().start();
            RedisQueue queue = new RedisQueue(pool, "w1");
            Dispatcher dispatcher = new Dispatcher(Optional.of(queue), Optional.of(pool.health()), true,
                    new LocalQueue(10_000), false, NO_STATE);
            dispatcher.start();
            assertThat(dispatcher.async()).isTrue();
            DispatchHandOff handOff = new DispatchHandOff("handoff-test", dispatcher);
            handOff.start();
            assertThat(threadAlive()).isTrue();

            List<JobRef> first = refs(3);
            handOff.handOff(first);
            Await.until("the first jobs are in Redis", Duration.ofSeconds(5), () -> queue.waiting() == 3);
            for (int i = 0; i < 50; i++) {
                handOff.handOff(refs(10));
            }
            handOff.close();

            assertThat(queue.waiting()).as("every job handed off before close").isEqualTo(503);
            assertThat(client.lrange(RedisQueue.PREFIX + "queue:normal", 0, -1))
                    .contains(first.get(0).id().toString());
            assertThat(handOff.stopped()).isTrue();
            assertThat(threadAlive()).isFalse();
            dispatcher.close();
        }
    }

    @Test
    void inSyncModeJobsGoToTheInProcessPoolAtOnce() throws Exception {
        LocalQueue local = new LocalQueue(10_000);
        Dispatcher dispatcher = new Dispatcher(Optional.empty(), Optional.empty(), false, local, true, NO_STATE);
        dispatcher.start();
        DispatchHandOff handOff = new DispatchHandOff("handoff-test", dispatcher);
        handOff.start();
        List<JobRef> jobs = refs(4);
        handOff.handOff(jobs);
        assertThat(local.size()).as("given to the pool before handOff returned").isEqualTo(4);
        assertThat(local.take(10, 0)).containsExactlyElementsOf(jobs);
        handOff.close();
        assertThat(handOff.stopped()).isTrue();
        assertThat(threadAlive()).isFalse();
    }
}
