package com.levqor.email;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one process of many the email sender: a Postgres session advisory lock held on a connection
 * of its own. Postgres releases it when that session ends, so when the sending process dies (even
 * by kill -9) another one takes over at its next round. One sender keeps the outbox in order and
 * {@code EMAIL_MAX_PER_MINUTE} a limit for the whole deployment.
 */
final class SenderLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SenderLock.class);
    /** The advisory lock key: "LVQEMAIL" in ASCII. */
    static final long KEY = 0x4C5651454D41494CL;

    private final DataSource dataSource;
    private Connection held;

    SenderLock(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** True while this process holds the lock; tries to take it when it does not. */
    boolean holds() {
        try {
            if (held != null) {
                if (held.isValid(2)) {
                    return true;
                }
                log.warn("Lost the database session holding the email sender lock; trying to take it again");
                closeQuietly();
            }
            Connection c = dataSource.getConnection();
            try (PreparedStatement s = c.prepareStatement("select pg_try_advisory_lock(?)")) {
                s.setLong(1, KEY);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    if (r.getBoolean(1)) {
                        held = c;
                        log.info("This process sends the email outbox (it holds the sender lock)");
                        return true;
                    }
                }
            }
            c.close();
            return false;
        } catch (SQLException e) {
            closeQuietly();
            return false;
        }
    }

    private void closeQuietly() {
        if (held != null) {
            try {
                held.close();
            } catch (SQLException ignored) {
                // the session is gone either way, and with it the lock
            }
            held = null;
        }
    }

    /** Releases the lock (closing the session does). */
    @Override
    public void close() {
        if (held != null) {
            try (PreparedStatement s = held.prepareStatement("select pg_advisory_unlock(?)")) {
                s.setLong(1, KEY);
                s.execute();
            } catch (SQLException ignored) {
                // closing the session below releases it too
            }
            closeQuietly();
        }
    }
}
