package com.levqor.jobs.sweeper;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.config.RedisSettings;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.redis.RedisConnections;
import com.levqor.runtime.Scheduler;
import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import com.levqor.testing.Threads;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

class AbandonedRequeueTest {
    static final String NORMAL = RedisQueue.PREFIX + "queue:normal";

    @Test
    void requeuesAStoppedWorkersListAtTheFrontWhileRunningAndNothingAfterItsSchedulerCloses() {
        try (TestRedis redis = TestRedis.start();
             RedisConnections pool = RedisConnections.open(new RedisSettings(Optional.of(URI.create(redis.url())),
                     4, 1_000, 50)).orElseThrow()) {
            pool.health().start();
            RedisQueue mine = new RedisQueue(pool, "alive-worker");
            mine.heartbeat();
            Dispatcher dispatcher = new Dispatcher(Optional.of(mine), Optional.of(pool.health()), true,
                    new LocalQueue(10_000), false, (async, up) -> { });
            dispatcher.start();
            UnifiedJedis c = pool.client();
            String a = UUID.randomUUID().toString();
            String b = UUID.randomUUID().toString();
            String waiting = UUID.randomUUID().toString();
            String held = UUID.randomUUID().toString();
            c.rpush(NORMAL, waiting);
            c.rpush(RedisQueue.PREFIX + "processing:crashed-worker", a, b); // no heartbeat: it stopped
            c.rpush(RedisQueue.PREFIX + "processing:alive-worker", held);

            Scheduler scheduler = new Scheduler();
            scheduler.add(new AbandonedRequeue(dispatcher, Duration.ofMillis(50)));
            scheduler.start();
            Await.until("the stopped worker's ids are requeued", Duration.ofSeconds(10),
                    () -> c.llen(NORMAL) == 3);
            assertThat(c.lrange(NORMAL, 0, -1)).as("older than what waits: at the front, in order")
                    .containsExactly(a, b, waiting);
            assertThat(c.exists(RedisQueue.PREFIX + "processing:crashed-worker")).isFalse();
            assertThat(c.lrange(RedisQueue.PREFIX + "processing:alive-worker", 0, -1)).containsExactly(held);
            assertThat(Threads.alive("levqor-abandoned-requeue")).isTrue();

            scheduler.close();
            Threads.awaitGone("levqor-abandoned-requeue");
            c.rpush(RedisQueue.PREFIX + "processing:another-crashed", UUID.randomUUID().toString());
            Await.sleep(300);
            assertThat(c.llen(NORMAL)).as("no requeue after close").isEqualTo(3);
            assertThat(c.exists(RedisQueue.PREFIX + "processing:another-crashed")).isTrue();
        }
    }
}
