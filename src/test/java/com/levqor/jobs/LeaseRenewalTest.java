package com.levqor.jobs;

import static com.levqor.db.jooq.Tables.JOBS;
import static com.levqor.testing.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Lease renewal never waits for a row lock (it cannot deadlock with a completion batch). */
class LeaseRenewalTest {
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WORKER_CONCURRENCY", "0"));
        key = server.createAccount("leases@example.com", "pro").get("api_key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static UUID submitted() {
        var r = server.post("/api/v1/intake", "{\"workflow\":\"echo\",\"payload\":{}}", bearer(key));
        assertThat(r.status()).isEqualTo(202);
        return UUID.fromString(r.json().get("job_id").asText());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRowLockedByAnotherTransactionIsStillHeldAndRenewedLater() {
        JobStore store = server.app().jobs().store();
        UUID a = submitted();
        UUID b = submitted();
        UUID other = submitted();
        Instant now = Instant.now();
        assertThat(store.claim(List.of(a, b), "w1", now, Duration.ofSeconds(30))).hasSize(2);
        assertThat(store.claim(List.of(other), "w2", now, Duration.ofSeconds(30))).hasSize(1);
        Instant later = now.plusSeconds(10);
        store.dsl().transaction(tx -> {
            tx.dsl().selectFrom(JOBS).where(JOBS.ID.eq(a)).forUpdate().fetch();
            // Another connection renews while `a` is locked here: it must not wait for this transaction.
            Set<UUID> held = store.renewLeases("w1", List.of(a, b, other), later, Duration.ofSeconds(30));
            assertThat(held).containsExactlyInAnyOrder(a, b);
        });
        OffsetDateTime aLease = store.dsl().select(JOBS.LEASE_EXPIRES_AT).from(JOBS).where(JOBS.ID.eq(a))
                .fetchOne(JOBS.LEASE_EXPIRES_AT);
        OffsetDateTime bLease = store.dsl().select(JOBS.LEASE_EXPIRES_AT).from(JOBS).where(JOBS.ID.eq(b))
                .fetchOne(JOBS.LEASE_EXPIRES_AT);
        assertThat(Duration.between(later.plusSeconds(30), bLease.toInstant()).abs()).isLessThan(Duration.ofMillis(1));
        assertThat(aLease.toInstant()).isBefore(bLease.toInstant());
        // Unlocked now: the next renewal takes it.
        assertThat(store.renewLeases("w1", List.of(a), later, Duration.ofSeconds(30))).containsExactly(a);
        assertThat(store.dsl().select(JOBS.LEASE_EXPIRES_AT).from(JOBS).where(JOBS.ID.eq(a))
                .fetchOne(JOBS.LEASE_EXPIRES_AT)).isEqualTo(bLease);
        // Another owner's job is not renewed and not reported as held.
        assertThat(store.renewLeases("w1", List.of(other), later, Duration.ofSeconds(30))).isEmpty();
    }
}
