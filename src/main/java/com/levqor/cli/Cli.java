package com.levqor.cli;

import com.levqor.config.InvalidSettingsException;
import com.levqor.config.Settings;
import com.levqor.db.Database;
import java.io.PrintWriter;

/** What the commands share: reading the configuration and opening a migrated database. */
public final class Cli {
    /** Exit status of an invalid configuration (before any port opens). */
    public static final int EXIT_BAD_CONFIG = 2;

    private Cli() {
    }

    /** The settings, or null after printing every problem (the caller exits with status 2). */
    static Settings settings(java.util.Map<String, String> env, PrintWriter err) {
        try {
            return Settings.parse(env);
        } catch (InvalidSettingsException e) {
            err.println("levqor: " + e.getMessage());
            err.flush();
            return null;
        }
    }

    /** Opens the configured database and brings its schema up to date. */
    static Database openMigrated(Settings settings) {
        Database db = Database.open(settings.database(), null);
        try {
            db.migrateIfBehind();
            return db;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Runs a command body against the migrated database of the environment: exit status 2 after
     * printing every configuration problem, otherwise the body's status; the database is closed after.
     */
    static int withDatabase(java.util.Map<String, String> env, PrintWriter err,
                            java.util.function.ToIntFunction<Database> body) {
        Settings settings = settings(env, err);
        if (settings == null) {
            return badConfig();
        }
        try (Database db = openMigrated(settings)) {
            return body.applyAsInt(db);
        }
    }

    static int badConfig() {
        return EXIT_BAD_CONFIG;
    }
}
