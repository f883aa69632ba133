package com.levqor.testing;

import static com.levqor.db.jooq.Tables.JOBS;

import com.levqor.accounts.AccountService;
import com.levqor.accounts.Plan;
import com.levqor.config.DatabaseSettings;
import com.levqor.db.Database;
import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.JobsRecord;
import com.levqor.jobs.JobStore;
import com.levqor.jobs.model.JobState;
import com.levqor.jobs.model.Priority;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jooq.JSONB;

/**
 * A fresh database of {@link TestPostgres} with one account, for tests of the job store and the
 * background duties that need job rows in exact states (written here directly, as a crashed worker or
 * a lost Redis would have left them).
 */
public final class JobRows implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Database database;
    private final JobStore store;
    private final UUID account;

    private JobRows(Database database) {
        this.database = database;
        this.store = new JobStore(database.dsl());
        this.account = new AccountService(database.dsl(), Clock.systemUTC())
                .create("rows-" + COUNTER.incrementAndGet() + "@example.com", Plan.PRO).accountId();
    }

    public static JobRows open() {
        String url = TestPostgres.newDatabase();
        return new JobRows(Database.open(new DatabaseSettings(new DatabaseSettings.External(url,
                Optional.of("postgres"), Optional.empty()), 4, DatabaseSettings.DEFAULT_CONNECT_TIMEOUT_MS,
                DatabaseSettings.DEFAULT_STATEMENT_TIMEOUT_MS, DatabaseSettings.DEFAULT_SWEEPER_STATEMENT_TIMEOUT_MS,
                DatabaseSettings.DEFAULT_ADMIN_STATEMENT_TIMEOUT_MS, DatabaseSettings.DEFAULT_SOCKET_TIMEOUT_MS), null));
    }

    public JobStore store() {
        return store;
    }

    public Database database() {
        return database;
    }

    public UUID account() {
        return account;
    }

    /** A queued job, due at {@code runAt}, last dispatched at {@code dispatchedAt} (null: never). */
    public UUID queued(Priority priority, Instant runAt, Instant dispatchedAt) {
        return insert(JobState.QUEUED, r -> {
            r.setPriority((short) priority.level());
            r.setRunAt(at(runAt));
            r.setDispatchedAt(at(dispatchedAt));
        });
    }

    /** A job in {@code state}, the rest of the row as {@code edit} sets it. */
    public UUID insert(JobState state, Consumer<JobsRecord> edit) {
        UUID id = Uuids.v7(Clock.systemUTC());
        OffsetDateTime now = at(Instant.now());
        JobsRecord r = database.dsl().newRecord(JOBS);
        r.setId(id);
        r.setAccountId(account);
        r.setWorkflow("echo");
        r.setPayload(JSONB.valueOf("{}"));
        r.setState(state.wire());
        r.setPriority((short) Priority.NORMAL.level());
        r.setMaxAttempts(3);
        r.setTimeoutSeconds(60);
        r.setRunAt(now);
        r.setCost(1);
        r.setCreatedAt(now);
        r.setUpdatedAt(now);
        edit.accept(r);
        r.store();
        return id;
    }

    /** The job's state now. */
    public String state(UUID id) {
        return database.dsl().select(JOBS.STATE).from(JOBS).where(JOBS.ID.eq(id)).fetchOne(JOBS.STATE);
    }

    public JobsRecord row(UUID id) {
        return database.dsl().selectFrom(JOBS).where(JOBS.ID.eq(id)).fetchOne();
    }

    public static OffsetDateTime at(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    @Override
    public void close() {
        database.close();
    }
}
