package com.levqor.db;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the SQL files of {@code migrations/} (packed in the jar as {@code db/migration}). */
public final class Migrations {
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {
    }

    /** Migrates the database to the newest version; returns how many migrations ran. */
    public static int migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .validateOnMigrate(true)
                .cleanDisabled(true)
                // A migration may rewrite a large table: no statement timeout (the pool sets one per connection).
                .initSql("set statement_timeout = 0")
                .load()
                .migrate();
        return result.migrationsExecuted;
    }
}
