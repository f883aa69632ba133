package com.levqor.abuse;

import static com.levqor.db.jooq.Tables.ABUSE_BLOCKS;

import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.AbuseBlocksRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Blocks stored in Postgres, so every instance honours them. The hot path (is this client
 * blocked?) reads an in-process copy of the active blocks only, never the database: the copy is
 * reloaded every {@link #REFRESH_INTERVAL} off the request path ({@link AbuseBlocksRefresh}, a
 * duty of the scheduler), and kept as it is while the database does not answer. A block placed or
 * lifted here takes effect at once, one placed or lifted by another instance within the interval.
 */
public final class AbuseBlocks {
    /** How often the copy of the active blocks is reloaded (how stale another instance's block may be). */
    public static final Duration REFRESH_INTERVAL = Duration.ofSeconds(2);
    /** The window in which earlier blocks of an IP count towards escalation. */
    public static final Duration ESCALATION_WINDOW = Duration.ofDays(1);
    public static final String REASON_FAILED_AUTH = "failed_auth";

    private final DSLContext db;
    private final Clock clock;
    private final Duration blockFor;
    private final int escalateAfterBlocks;
    private final Duration escalatedBlockFor;
    private volatile Map<String, Instant> active = Map.of();

    public AbuseBlocks(DSLContext db, Clock clock, Duration blockFor, int escalateAfterBlocks,
                       Duration escalatedBlockFor) {
        this.db = db;
        this.clock = clock;
        this.blockFor = blockFor;
        this.escalateAfterBlocks = escalateAfterBlocks;
        this.escalatedBlockFor = escalatedBlockFor;
    }

    /** When the block on this client (an IP, or an IPv6 /64) ends, if this process's copy has it in force now. */
    public Optional<Instant> blockedUntil(String client) {
        Instant until = active.get(client);
        return until != null && until.isAfter(clock.instant()) ? Optional.of(until) : Optional.empty();
    }

    /**
     * Reloads the copy of the active blocks from the database (the refresh duty, start-up, after a
     * lift). Throws when the database does not answer; the last copy then stays in force.
     */
    public void refresh() {
        Map<String, Instant> fresh = new HashMap<>();
        db.select(ABUSE_BLOCKS.IP, ABUSE_BLOCKS.UNTIL_AT).from(ABUSE_BLOCKS)
                .where(ABUSE_BLOCKS.UNTIL_AT.gt(at(clock.instant()))).and(ABUSE_BLOCKS.LIFTED_AT.isNull())
                .forEach(r -> fresh.merge(r.value1(), r.value2().toInstant(), (a, b) -> a.isAfter(b) ? a : b));
        synchronized (this) {
            active = Map.copyOf(fresh);
        }
    }

    /**
     * Blocks an IP; the block is escalated when it is at least the {@code escalateAfterBlocks}-th
     * of this IP within {@link #ESCALATION_WINDOW}.
     */
    public Block place(String ip, String reason, int hits) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS); // what Postgres keeps
        Block block = db.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            int earlier = t.fetchCount(ABUSE_BLOCKS, ABUSE_BLOCKS.IP.eq(ip)
                    .and(ABUSE_BLOCKS.SINCE_AT.gt(at(now.minus(ESCALATION_WINDOW)))));
            int level = earlier + 1;
            Duration length = level >= escalateAfterBlocks ? escalatedBlockFor : blockFor;
            AbuseBlocksRecord r = t.newRecord(ABUSE_BLOCKS)
                    .setId(Uuids.v7(clock))
                    .setIp(ip)
                    .setReason(reason)
                    .setHits(hits)
                    .setLevel(level)
                    .setSinceAt(at(now))
                    .setUntilAt(at(now.plus(length)));
            r.store();
            return toBlock(r);
        });
        synchronized (this) {
            Map<String, Instant> copy = new HashMap<>(active);
            copy.merge(ip, block.until(), (a, b) -> a.isAfter(b) ? a : b);
            active = Map.copyOf(copy);
        }
        return block;
    }

    /** Recent blocks, newest first; only those in force when {@code activeOnly}. */
    public List<Block> list(boolean activeOnly, int limit) {
        var condition = activeOnly
                ? ABUSE_BLOCKS.UNTIL_AT.gt(at(clock.instant())).and(ABUSE_BLOCKS.LIFTED_AT.isNull())
                : org.jooq.impl.DSL.noCondition();
        return db.selectFrom(ABUSE_BLOCKS).where(condition)
                .orderBy(ABUSE_BLOCKS.SINCE_AT.desc(), ABUSE_BLOCKS.ID.desc())
                .limit(limit).fetch(AbuseBlocks::toBlock);
    }

    /** Lifts a block (idempotent: lifting again keeps the first time); empty when there is none. */
    public Optional<Block> lift(UUID id) {
        db.update(ABUSE_BLOCKS).set(ABUSE_BLOCKS.LIFTED_AT, at(clock.instant()))
                .where(ABUSE_BLOCKS.ID.eq(id)).and(ABUSE_BLOCKS.LIFTED_AT.isNull())
                .and(ABUSE_BLOCKS.SINCE_AT.le(at(clock.instant())))
                .execute();
        AbuseBlocksRecord r = db.selectFrom(ABUSE_BLOCKS).where(ABUSE_BLOCKS.ID.eq(id)).fetchOne();
        if (r == null) {
            return Optional.empty();
        }
        synchronized (this) {
            Map<String, Instant> copy = new HashMap<>(active);
            copy.remove(r.getIp());
            active = Map.copyOf(copy);
        }
        try {
            refresh(); // another block may still hold this client
        } catch (RuntimeException e) {
            // the refresh duty reloads it shortly
        }
        return Optional.of(toBlock(r));
    }

    private static Block toBlock(AbuseBlocksRecord r) {
        return new Block(r.getId(), r.getIp(), r.getReason(), r.getHits(), r.getLevel(), r.getSinceAt().toInstant(),
                r.getUntilAt().toInstant(), r.getLiftedAt() == null ? null : r.getLiftedAt().toInstant());
    }

    private static OffsetDateTime at(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }
}
