package com.levqor.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.config.RedisSettings;
import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** One health state for every user of the pool: down when a command fails, up again when Redis answers. */
class RedisHealthTest {

    private static RedisConnections open(TestRedis redis) {
        return RedisConnections.open(new RedisSettings(Optional.of(URI.create(redis.url())), 4, 500, 50))
                .orElseThrow();
    }

    @Test
    void noUrlNoPool() {
        assertThat(RedisConnections.open(new RedisSettings(Optional.empty(), 4, 500, 50))).isEmpty();
    }

    @Test
    void startKnowsTheStateAndListenersHearEachChangeOnce() throws Exception {
        try (TestRedis redis = TestRedis.start(); RedisConnections pool = open(redis)) {
            List<Boolean> heard = new CopyOnWriteArrayList<>();
            pool.health().addListener(heard::add);
            pool.health().start();
            assertThat(pool.health().up()).isTrue();
            assertThat(heard).containsExactly(true);

            redis.kill();
            try {
                pool.client().ping();
            } catch (RuntimeException e) {
                pool.health().failed(e); // what every user does when its command fails
            }
            assertThat(pool.health().up()).isFalse();
            assertThat(pool.health().lastError()).isNotEmpty();

            redis.restart();
            Await.until("the pinger sees Redis again", Duration.ofSeconds(10), () -> pool.health().up());
            // The state turns up before the listeners hear it, on the pinger's thread: wait for the third call.
            Await.until("the listener hears it", Duration.ofSeconds(10), () -> heard.size() >= 3);
            assertThat(heard).containsExactly(true, false, true);
            pool.client().set("levqor:test", "1"); // the pool works again
        }
    }

    @Test
    void aStaleConnectionAloneDoesNotTurnRedisDown() throws Exception {
        try (TestRedis redis = TestRedis.start(); RedisConnections pool = open(redis)) {
            pool.health().start();
            pool.health().failed(new redis.clients.jedis.exceptions.JedisConnectionException("Broken pipe"));
            assertThat(pool.health().up()).isTrue(); // a ping answered: no switch to the fallbacks
        }
    }

    @Test
    void closeStopsThePinger() throws Exception {
        try (TestRedis redis = TestRedis.start()) {
            long before = pingers();
            RedisConnections pool = open(redis);
            pool.health().start();
            assertThat(pingers()).isEqualTo(before + 1);
            pool.close();
            Await.until("the pinger thread ends", Duration.ofSeconds(5), () -> pingers() == before);
        }
    }

    private static long pingers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("levqor-redis-health"))
                .count();
    }
}
