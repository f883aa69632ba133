package com.levqor.config;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import com.levqor.config.DatabaseSettings.External;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Backups and restore drills: where they go, how long they are kept, when {@code serve} runs them,
 * and where {@code pg_dump} and {@code psql} are.
 *
 * @param enabled         {@code BACKUPS_ENABLED}: {@code serve} runs the scheduled backups and drills, and
 *                        {@code /ops/uptime} reports their freshness (default true)
 * @param dir             {@code BACKUP_DIR}: folder of the backups, relative to the working directory like
 *                        {@code data/} and {@code logs/} (default {@value #DEFAULT_DIR})
 * @param retentionDays   {@code BACKUP_RETENTION_DAYS}: backups older than this many days are deleted after a
 *                        successful backup, the newest good one always kept (default {@value #DEFAULT_RETENTION_DAYS})
 * @param backupCron      {@code BACKUP_CRON}: when the scheduled backup runs, five-field cron in UTC
 *                        (default {@value #DEFAULT_BACKUP_CRON})
 * @param drillCron       {@code RESTORE_DRILL_CRON}: when the restore drill runs, five-field cron in UTC
 *                        (default {@value #DEFAULT_DRILL_CRON})
 * @param pgBinDir        {@code PG_BIN_DIR}: folder of {@code pg_dump} and {@code psql}; unset, they are looked
 *                        for on {@code PATH}
 * @param searchPath      the folders of {@code PATH}, where the tools are looked for when {@code PG_BIN_DIR} is unset
 * @param restoreVerifyDatabase {@code RESTORE_VERIFY_DATABASE_URL}: a database that restore-verify empties and
 *                        restores into, for a user that cannot create databases; unset, a scratch database
 *                        {@code levqor_restore_verify_<time>} is created on the same server and dropped after
 * @param checkIntervalMillis {@code BACKUP_CHECK_INTERVAL_MS}: how often {@code serve} looks whether a
 *                        scheduled run is due, in milliseconds (default {@value #DEFAULT_CHECK_INTERVAL_MS})
 */
public record BackupSettings(
        boolean enabled,
        Path dir,
        int retentionDays,
        Cron backupCron,
        Cron drillCron,
        Optional<Path> pgBinDir,
        List<Path> searchPath,
        Optional<External> restoreVerifyDatabase,
        long checkIntervalMillis) {

    public static final String DEFAULT_DIR = "db/backups/pg";
    public static final int DEFAULT_RETENTION_DAYS = 14;
    /** Daily at 03:00 UTC, as the runbook's monitoring checklist says. */
    public static final String DEFAULT_BACKUP_CRON = "0 3 * * *";
    /** Weekly, Sunday 04:00 UTC: an hour after that day's backup. */
    public static final String DEFAULT_DRILL_CRON = "0 4 * * 0";
    public static final long DEFAULT_CHECK_INTERVAL_MS = 30_000;

    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    /**
     * @param path the {@code PATH} of the process (not a setting of ours: not shown by {@code levqor flags})
     */
    static BackupSettings parse(Env env, String path) {
        boolean enabled = env.flag("BACKUPS_ENABLED", true);
        Path dir = env.path("BACKUP_DIR", DEFAULT_DIR);
        int retention = env.integer("BACKUP_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1, 36_500);
        Cron backup = cron(env, "BACKUP_CRON", DEFAULT_BACKUP_CRON);
        Cron drill = cron(env, "RESTORE_DRILL_CRON", DEFAULT_DRILL_CRON);
        Optional<Path> binDir = env.optional("PG_BIN_DIR").map(Path::of);
        Optional<External> verifyDb = env.secret("RESTORE_VERIFY_DATABASE_URL")
                .map(url -> DatabaseSettings.fromUrl(env, "RESTORE_VERIFY_DATABASE_URL", url));
        long check = env.longValue("BACKUP_CHECK_INTERVAL_MS", DEFAULT_CHECK_INTERVAL_MS, 100, 3_600_000);
        return new BackupSettings(enabled, dir, retention, backup, drill, binDir, folders(path), verifyDb, check);
    }

    /** A five-field cron expression ({@code minute hour day-of-month month day-of-week}), read in UTC. */
    private static Cron cron(Env env, String name, String defaultValue) {
        String expression = env.string(name, defaultValue);
        try {
            return CRON.parse(expression).validate();
        } catch (IllegalArgumentException e) {
            env.problem(name, expression, "a five-field cron expression in UTC (minute hour day-of-month month "
                    + "day-of-week), e.g. '" + defaultValue + "' (" + e.getMessage() + ")");
            return CRON.parse(defaultValue);
        }
    }

    private static List<Path> folders(String path) {
        List<Path> out = new ArrayList<>();
        if (path != null) {
            for (String p : path.split(java.io.File.pathSeparator)) {
                if (!p.isBlank()) {
                    try {
                        out.add(Path.of(p));
                    } catch (RuntimeException ignored) {
                        // an unusable PATH entry is skipped, as a shell would
                    }
                }
            }
        }
        return List.copyOf(out);
    }
}
