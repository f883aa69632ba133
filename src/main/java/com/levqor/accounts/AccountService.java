package com.levqor.accounts;

import static com.levqor.db.jooq.Tables.ACCOUNTS;
import static com.levqor.db.jooq.Tables.API_KEYS;

import com.levqor.db.Uuids;
import com.levqor.db.jooq.tables.records.AccountsRecord;
import com.levqor.db.jooq.tables.records.ApiKeysRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * Accounts and their API keys: creation, listing, key rotation and revocation, and resolving a
 * presented key to its account. Resolutions are cached for {@link #CACHE_TTL} so the hot path
 * costs no query; a revocation or a plan change in this process takes effect at once, in other
 * processes within the TTL.
 */
public final class AccountService {
    /**
     * How long a resolved key (and its account's plan) is trusted without asking the database again:
     * the longest a revocation or plan change made by another process takes to apply here.
     */
    public static final Duration CACHE_TTL = Duration.ofSeconds(5);
    /** {@code last_used_at} is written at most this often per key, not on every request. */
    public static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);
    private static final int MAX_PREFIX_ATTEMPTS = 5;

    /** The answer to account creation: the key appears only here. */
    public record Created(UUID accountId, String email, String plan, String apiKey, String prefix) {
    }

    /** A key added to an account: the key appears only here. */
    public record NewKey(UUID accountId, String apiKey, String prefix) {
    }

    /** The outcome of a revocation. */
    public record Revoked(String prefix, UUID accountId, Instant revokedAt) {
    }

    private record Cached(Caller caller, long expiresAtMillis) {
    }

    /**
     * The cache key of a presented key: its SHA-256 digest (never the key itself), compared by
     * content. Cheaper than a hex string of the digest.
     */
    private static final class Digest {
        private final byte[] bytes;
        private final int hash;

        Digest(byte[] bytes) {
            this.bytes = bytes;
            // The digest is uniformly distributed: its first four bytes are as good a hash as any.
            this.hash = (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Digest d && Arrays.equals(bytes, d.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final DSLContext db;
    private final Clock clock;
    private final Map<Digest, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, Long> lastUsedWritten = new ConcurrentHashMap<>();
    /**
     * Bumped by every invalidation. A resolution read from the database before an invalidation must
     * not stay cached after it (a revocation racing a request would otherwise be undone for a TTL):
     * {@link #authenticate} drops what it cached when the generation moved during its lookup.
     */
    private final AtomicLong generation = new AtomicLong();
    /** Runs between the lookup and the caching of {@link #authenticate} (tests make races happen there). */
    volatile Runnable afterLookup = () -> { };

    public AccountService(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * Creates an account with a first key.
     *
     * @throws AccountExistsException when the address (in any case) already has an account
     */
    public Created create(String email, Plan plan) {
        UUID id = Uuids.v7(clock);
        OffsetDateTime now = now();
        try {
            return db.transactionResult(tx -> {
                DSLContext t = tx.dsl();
                t.insertInto(ACCOUNTS)
                        .set(ACCOUNTS.ID, id)
                        .set(ACCOUNTS.EMAIL, email)
                        .set(ACCOUNTS.PLAN, plan.wire())
                        .set(ACCOUNTS.CREATED_AT, now)
                        .set(ACCOUNTS.UPDATED_AT, now)
                        .execute();
                ApiKeySecret key = insertKey(t, id, now);
                return new Created(id, email, plan.wire(), key.key(), key.prefix());
            });
        } catch (DataAccessException e) {
            if (isUniqueViolation(e)) {
                throw new AccountExistsException(email);
            }
            throw e;
        }
    }

    private ApiKeySecret insertKey(DSLContext t, UUID accountId, OffsetDateTime now) {
        for (int attempt = 1; ; attempt++) {
            ApiKeySecret key = ApiKeySecret.generate();
            int inserted = t.insertInto(API_KEYS)
                    .set(API_KEYS.ID, Uuids.v7(clock))
                    .set(API_KEYS.ACCOUNT_ID, accountId)
                    .set(API_KEYS.PREFIX, key.prefix())
                    .set(API_KEYS.KEY_HASH, key.hash())
                    .set(API_KEYS.CREATED_AT, now)
                    .onConflictDoNothing()
                    .execute();
            if (inserted == 1) {
                return key;
            }
            if (attempt >= MAX_PREFIX_ATTEMPTS) {
                throw new IllegalStateException("Could not find a free API key prefix after " + attempt + " tries");
            }
        }
    }

    private static boolean isUniqueViolation(DataAccessException e) {
        return "23505".equals(e.sqlState());
    }

    /** Adds a key to an account (several may be active, for rotation); empty when there is no such account. */
    public Optional<NewKey> addKey(UUID accountId) {
        return db.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            if (t.fetchExists(ACCOUNTS, ACCOUNTS.ID.eq(accountId)) == false) {
                return Optional.empty();
            }
            ApiKeySecret key = insertKey(t, accountId, now());
            return Optional.of(new NewKey(accountId, key.key(), key.prefix()));
        });
    }

    /** Revokes the key with that prefix (idempotent: a second revocation keeps the first time). */
    public Optional<Revoked> revoke(String prefix) {
        OffsetDateTime now = now();
        db.update(API_KEYS).set(API_KEYS.REVOKED_AT, now)
                .where(API_KEYS.PREFIX.eq(prefix)).and(API_KEYS.REVOKED_AT.isNull())
                .execute();
        ApiKeysRecord r = db.selectFrom(API_KEYS).where(API_KEYS.PREFIX.eq(prefix)).fetchOne();
        if (r == null) {
            return Optional.empty();
        }
        generation.incrementAndGet();
        cache.entrySet().removeIf(e -> e.getValue().caller().keyPrefix().equals(prefix));
        return Optional.of(new Revoked(prefix, r.getAccountId(), r.getRevokedAt().toInstant()));
    }

    /** Every account with its keys, oldest first, at most {@code limit}. */
    public List<Account> list(int limit) {
        org.jooq.Result<AccountsRecord> accounts = db.selectFrom(ACCOUNTS).orderBy(ACCOUNTS.CREATED_AT, ACCOUNTS.ID)
                .limit(limit).fetch();
        Map<UUID, List<Account.KeyInfo>> keys = new LinkedHashMap<>();
        if (!accounts.isEmpty()) {
            db.selectFrom(API_KEYS)
                    .where(API_KEYS.ACCOUNT_ID.in(accounts.map(AccountsRecord::getId)))
                    .orderBy(API_KEYS.CREATED_AT, API_KEYS.ID)
                    .forEach(k -> keys.computeIfAbsent(k.getAccountId(), x -> new ArrayList<>())
                            .add(new Account.KeyInfo(k.getPrefix(), instant(k.getCreatedAt()),
                                    instant(k.getLastUsedAt()), instant(k.getRevokedAt()))));
        }
        List<Account> out = new ArrayList<>(accounts.size());
        for (AccountsRecord a : accounts) {
            out.add(new Account(a.getId(), a.getEmail(), a.getPlan(), instant(a.getCreatedAt()),
                    instant(a.getUpdatedAt()), keys.getOrDefault(a.getId(), List.of())));
        }
        return out;
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** Resolves a presented API key to its account; empty for unknown, malformed or revoked keys. */
    public Optional<Caller> authenticate(String presented) {
        if (!ApiKeySecret.looksLikeKey(presented)) {
            return Optional.empty();
        }
        byte[] hash = ApiKeySecret.sha256(presented);
        Digest cacheKey = new Digest(hash);
        long nowMillis = clock.millis();
        Cached cached = cache.get(cacheKey);
        if (cached != null && cached.expiresAtMillis() > nowMillis) {
            touch(cached.caller().keyPrefix(), nowMillis);
            return Optional.of(cached.caller());
        }
        long seen = generation.get();
        var row = db.select(API_KEYS.ACCOUNT_ID, API_KEYS.PREFIX, ACCOUNTS.PLAN)
                .from(API_KEYS).join(ACCOUNTS).on(ACCOUNTS.ID.eq(API_KEYS.ACCOUNT_ID))
                .where(API_KEYS.KEY_HASH.eq(hash)).and(API_KEYS.REVOKED_AT.isNull())
                .fetchOne();
        if (row == null) {
            cache.remove(cacheKey);
            return Optional.empty();
        }
        Caller caller = new Caller(row.value1(), Plan.fromWire(row.value3()).orElse(Plan.FREE), row.value2());
        afterLookup.run();
        Cached entry = new Cached(caller, nowMillis + CACHE_TTL.toMillis());
        cache.put(cacheKey, entry);
        if (generation.get() != seen) {
            // Invalidated while we looked up: what we read may be what was just revoked or changed.
            cache.remove(cacheKey, entry);
        }
        touch(caller.keyPrefix(), nowMillis);
        return Optional.of(caller);
    }

    /**
     * {@link #authenticate} from the cache only, for a thread that must not block: the caller of a
     * cached key whose last-used time needs no write now, else empty (ask {@link #authenticate}).
     */
    public Optional<Caller> authenticateFromMemory(String presented) {
        if (!ApiKeySecret.looksLikeKey(presented)) {
            return Optional.empty();
        }
        long nowMillis = clock.millis();
        Cached cached = cache.get(new Digest(ApiKeySecret.sha256(presented)));
        if (cached == null || cached.expiresAtMillis() <= nowMillis || touchDue(cached.caller().keyPrefix(), nowMillis)) {
            return Optional.empty();
        }
        return Optional.of(cached.caller());
    }

    /** Whether the key's last-used time is due to be written (not written within LAST_USED_RESOLUTION). */
    private boolean touchDue(String prefix, long nowMillis) {
        Long last = lastUsedWritten.get(prefix);
        return last == null || nowMillis - last >= LAST_USED_RESOLUTION.toMillis();
    }

    private void touch(String prefix, long nowMillis) {
        if (!touchDue(prefix, nowMillis)) {
            return;
        }
        lastUsedWritten.put(prefix, nowMillis);
        OffsetDateTime now = now();
        db.update(API_KEYS).set(API_KEYS.LAST_USED_AT, now)
                .where(API_KEYS.PREFIX.eq(prefix))
                .and(API_KEYS.LAST_USED_AT.isNull().or(API_KEYS.LAST_USED_AT.lt(now)))
                .and(API_KEYS.CREATED_AT.le(now))
                .execute();
    }

    /** Forgets every cached resolution (after a plan change: rate limits and budgets follow at once). */
    public void clearCache() {
        generation.incrementAndGet();
        cache.clear();
    }
}
