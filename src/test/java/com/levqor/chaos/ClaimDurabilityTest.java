package com.levqor.chaos;

import static com.levqor.db.jooq.Tables.JOBS;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Plan;
import com.levqor.config.DatabaseSettings;
import com.levqor.db.Database;
import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.JobsRecord;
import com.levqor.jobs.ClaimedJob;
import com.levqor.jobs.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.JSONB;
import org.junit.jupiter.api.Test;

/**
 * A claim survives Postgres stopping abruptly right after it committed. Found by chaos scenario 1: a
 * claim committed without waiting for the disk was lost to {@code pg_ctl stop -m immediate}, the job
 * went back to {@code queued} with its attempt undone, and the job, already run, ran a second time
 * with the same attempt number once Postgres was back.
 */
class ClaimDurabilityTest {
    private static final int ROUNDS = 8;

    @Test
    void aCommittedClaimIsStillThereAfterAnImmediateStop() {
        try (ChaosPostgres pg = ChaosPostgres.start(20)) {
            List<String> lost = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                List<UUID> ids = new ArrayList<>();
                try (Database db = open(pg)) {
                    if (round == 0) {
                        db.migrate();
                    }
                    JobStore store = new JobStore(db.dsl());
                    UUID account = new AccountService(db.dsl(), Clock.systemUTC())
                            .create("claim-" + round + "@example.com", Plan.PRO).accountId();
                    for (int i = 0; i < 50; i++) {
                        ids.add(queued(db, account));
                    }
                    List<ClaimedJob> claimed = store.claim(ids, "worker-" + round, Instant.now(), Duration.ofMinutes(5));
                    assertThat(claimed).hasSize(ids.size());
                    pg.stopImmediately(); // right after the claim's commit returned
                }
                pg.startAgain();
                try (Database db = open(pg)) {
                    for (UUID id : ids) {
                        JobsRecord r = db.dsl().selectFrom(JOBS).where(JOBS.ID.eq(id)).fetchOne();
                        if (!"running".equals(r.getState()) || r.getAttempt() != 1) {
                            lost.add(id + " " + r.getState() + " attempt " + r.getAttempt());
                        }
                    }
                }
            }
            assertThat(lost).as("claims lost to an immediate stop, over " + ROUNDS + " rounds").isEmpty();
        }
    }

    private static Database open(ChaosPostgres pg) {
        return Database.open(new DatabaseSettings(new DatabaseSettings.External(pg.jdbcUrl(), Optional.of("postgres"),
                Optional.empty()), 2, DatabaseSettings.DEFAULT_CONNECT_TIMEOUT_MS,
                DatabaseSettings.DEFAULT_STATEMENT_TIMEOUT_MS, DatabaseSettings.DEFAULT_SWEEPER_STATEMENT_TIMEOUT_MS,
                DatabaseSettings.DEFAULT_ADMIN_STATEMENT_TIMEOUT_MS, DatabaseSettings.DEFAULT_SOCKET_TIMEOUT_MS), null);
    }

    private static UUID queued(Database db, UUID account) {
        UUID id = Uuids.v7(Clock.systemUTC());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1);
        JobsRecord r = db.dsl().newRecord(JOBS);
        r.setId(id);
        r.setAccountId(account);
        r.setWorkflow("echo");
        r.setPayload(JSONB.valueOf("{}"));
        r.setState("queued");
        r.setPriority((short) 1);
        r.setMaxAttempts(3);
        r.setTimeoutSeconds(60);
        r.setRunAt(now);
        r.setCost(1);
        r.setCreatedAt(now);
        r.setUpdatedAt(now);
        r.store();
        return id;
    }
}
