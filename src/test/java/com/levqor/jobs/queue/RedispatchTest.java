package com.levqor.jobs.queue;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The sweeper re-dispatches queued jobs whose delivery was lost, but not a backlog that is still
 * waiting in Redis: while ids wait to be taken, pushing them again would only duplicate the queue.
 */
class RedispatchTest {

    @Test
    void aWaitingBacklogIsNotPushedAgainButLostIdsAre() throws Exception {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of(
                     "REDIS_URL", redis.url(),
                     "WORKER_CONCURRENCY", "0", // nobody takes the ids: they stay waiting in Redis
                     "SWEEPER_INTERVAL_MS", "50",
                     "REDISPATCH_AFTER_MS", "100"));
             RedisClient client = RedisClient.create(URI.create(redis.url()))) {
            String key = server.createAccount("redispatch@example.com", "pro").get("api_key").asText();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                Response r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}", bearer(key));
                assertThat(r.status()).isEqualTo(202);
                ids.add(r.json().get("job_id").asText());
            }
            String lane = RedisQueue.lane(com.levqor.jobs.model.Priority.NORMAL);
            Await.until("the three ids are waiting in Redis", Duration.ofSeconds(10),
                    () -> client.llen(lane) == 3);
            // Many sweeps, each long past REDISPATCH_AFTER_MS: the waiting ids are not pushed again.
            Thread.sleep(1_000);
            assertThat(client.lrange(lane, 0, -1)).containsExactlyInAnyOrderElementsOf(ids);

            // The ids are lost (a Redis that dropped its data): the sweeper dispatches the jobs again.
            client.del(lane);
            Await.until("the lost ids are pushed again", Duration.ofSeconds(10), () -> client.llen(lane) >= 3);
            List<String> again = client.lrange(lane, 0, -1);
            assertThat(new HashSet<>(again)).isEqualTo(ids);
        }
    }
}
