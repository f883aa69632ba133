package com.levqor.backups;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup or drill at a time in the whole installation: a Postgres session-level advisory lock,
 * held on a connection of its own for the length of the run. Every instance and every command takes
 * it, so a scheduled occurrence is looked up and recorded by one process at a time; when a process
 * dies its session ends and the lock goes with it.
 */
public final class BackupLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupLock.class);
    /** The lock's key: "levqor.b" in ASCII, so that nothing else is likely to pick it. */
    static final long KEY = 0x6c6576716f722e62L;

    private final Connection connection;

    private BackupLock(Connection connection) {
        this.connection = connection;
    }

    /** The lock if it is free now; empty when another run holds it. */
    static Optional<BackupLock> tryAcquire(PgTarget target) throws SQLException {
        Connection c = target.connect("levqor-backup-lock");
        try {
            if (call(c, "select pg_try_advisory_lock(?)")) {
                return Optional.of(new BackupLock(c));
            }
            c.close();
            return Optional.empty();
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Waits for the lock (telling {@code waiting} once when another run holds it). */
    static BackupLock acquire(PgTarget target, Runnable waiting) throws SQLException {
        Optional<BackupLock> now = tryAcquire(target);
        if (now.isPresent()) {
            return now.get();
        }
        waiting.run();
        Connection c = target.connect("levqor-backup-lock");
        try {
            call(c, "select pg_advisory_lock(?) is not null");
            return new BackupLock(c);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static boolean call(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, KEY);
            try (ResultSet r = ps.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    /** Releases the lock (closing its session would too). */
    @Override
    public void close() {
        try (Connection c = connection) {
            call(c, "select pg_advisory_unlock(?)");
        } catch (SQLException e) {
            log.warn("Releasing the backup lock failed ({}); it goes with the session", e.getMessage());
        }
    }
}
