package com.levqor.backups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes backups (SQL file and manifest) older than {@code BACKUP_RETENTION_DAYS}, by the time in
 * their name, but never the newest complete one, however old: when backups have been failing for
 * weeks, the last good one is still there. Runs after each successful backup, under the backup lock.
 */
public final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final BackupFolder folder;
    private final Duration keep;
    private final Clock clock;

    public Retention(BackupFolder folder, int retentionDays, Clock clock) {
        this.folder = folder;
        this.keep = Duration.ofDays(retentionDays);
        this.clock = clock;
    }

    /** Deletes what is past retention; returns the SQL files deleted. */
    public List<Path> prune() {
        Instant cutoff = clock.instant().minus(keep);
        Optional<BackupFolder.Entry> newestGood = folder.newestComplete();
        List<Path> deleted = new ArrayList<>();
        for (BackupFolder.Entry e : folder.backups()) {
            if (!e.at().isBefore(cutoff) || newestGood.map(g -> g.sql().equals(e.sql())).orElse(false)) {
                continue;
            }
            try {
                Files.deleteIfExists(e.manifest());
                Files.deleteIfExists(e.sql());
                deleted.add(e.sql());
                log.info("Deleted backup {} (older than {} days)", e.sql().getFileName(), keep.toDays());
            } catch (IOException ex) {
                log.warn("Could not delete the old backup {}: {}", e.sql(), ex.toString());
            }
        }
        return deleted;
    }
}
