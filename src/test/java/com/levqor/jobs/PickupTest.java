package com.levqor.jobs;

import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.TestRedis;
import com.levqor.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pickup: a job that arrives while another job's claim is slow is still taken and started at once. */
class PickupTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aJobArrivingDuringAnotherJobsSlowClaimStartsAtOnceInSyncMode() {
        try (TestServer server = TestServer.start(Map.of())) {
            startsDuringASlowClaim(server);
        }
    }

    @Test
    void aJobArrivingDuringAnotherJobsSlowClaimStartsAtOnceInAsyncMode() {
        try (TestRedis redis = TestRedis.start();
             TestServer server = TestServer.start(Map.of("REDIS_URL", redis.url()))) {
            Await.until("async mode", WAIT, () -> server.get("/ops/queue_health").json().get("mode").asText()
                    .equals("async"));
            startsDuringASlowClaim(server);
        }
    }

    private static void startsDuringASlowClaim(TestServer server) {
        // The claim (queued -> running) of a job whose payload names slow_claim sleeps that many seconds.
        server.app().jobs().store().dsl().execute("""
                create function slow_claim() returns trigger language plpgsql as $$
                begin
                  if old.state = 'queued' and new.state = 'running' and (new.payload ->> 'slow_claim') is not null then
                    perform pg_sleep((new.payload ->> 'slow_claim')::float);
                  end if;
                  return new;
                end $$;
                create trigger slow_claim before update on jobs for each row execute function slow_claim();
                """);
        String key = server.createAccount("pickup@example.com", "pro").get("api_key").asText();
        String slow = ExecutionTest.submit(server, key, "{\"workflow\":\"echo\",\"payload\":{\"slow_claim\":6}}");
        Await.sleep(300); // its claim is under way
        String next = ExecutionTest.submit(server, key, "{\"workflow\":\"echo\",\"payload\":{}}");

        Await.status(server, key, next, "succeeded", Duration.ofSeconds(5)); // well before the slow claim ends
        assertThat(server.get("/api/v1/status/" + slow, bearer(key)).json().get("status").asText())
                .as("the slow claim has not committed yet").isEqualTo("queued");
        Await.status(server, key, slow, "succeeded", WAIT);
    }
}
