package com.levqor.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.db.Database;
import com.levqor.config.Settings;
import com.levqor.testing.TestPostgres;
import com.levqor.testing.TestServer;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key cache of {@link AccountService}: revocations and plan changes are never undone by a racing lookup. */
class KeyCacheTest {
    static Database database;
    static AccountService accounts;

    @BeforeAll
    static void open() throws Exception {
        Settings s = Settings.parse(TestServer.baseEnv(TestPostgres.newDatabase(), Path.of("target", "tmp", "logs-keycache")));
        database = Database.open(s.database(), null);
        accounts = new AccountService(database.dsl(), Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void aKeyRevokedWhileARequestLooksItUpIsNotCachedAgain() {
        AccountService.Created a = accounts.create("race-revoke@example.com", Plan.FREE);
        // The request has read the key from the database (still active); the revocation lands right
        // then, before the request caches what it read.
        accounts.afterLookup = () -> {
            accounts.afterLookup = () -> { };
            accounts.revoke(a.prefix());
        };
        assertThat(accounts.authenticate(a.apiKey())).as("the request that raced the revocation").isPresent();
        assertThat(accounts.authenticateFromMemory(a.apiKey())).as("nothing cached for the revoked key").isEmpty();
        assertThat(accounts.authenticate(a.apiKey())).as("the next request").isEmpty();
    }

    @Test
    void aPlanChangeWhileARequestLooksItUpIsNotHiddenByTheCache() {
        AccountService.Created a = accounts.create("race-plan@example.com", Plan.FREE);
        accounts.afterLookup = () -> {
            accounts.afterLookup = () -> { };
            database.dsl().update(com.levqor.db.jooq.Tables.ACCOUNTS).set(com.levqor.db.jooq.Tables.ACCOUNTS.PLAN, "pro")
                    .where(com.levqor.db.jooq.Tables.ACCOUNTS.ID.eq(a.accountId())).execute();
            accounts.clearCache();
        };
        assertThat(accounts.authenticate(a.apiKey()).orElseThrow().plan()).isEqualTo(Plan.FREE);
        assertThat(accounts.authenticate(a.apiKey()).orElseThrow().plan()).as("after the change").isEqualTo(Plan.PRO);
    }

    @Test
    void aResolvedKeyIsCachedWithoutARace() {
        AccountService.Created a = accounts.create("cached@example.com", Plan.PRO);
        assertThat(accounts.authenticate(a.apiKey())).isPresent();
        // Within the last-used resolution the cached copy answers without a query.
        assertThat(accounts.authenticateFromMemory(a.apiKey()).orElseThrow().plan()).isEqualTo(Plan.PRO);
    }
}
