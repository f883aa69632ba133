package com.levqor.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one process of many the one that does a duty (sends the email outbox, samples health): a
 * Postgres session advisory lock held on a connection of its own. Postgres releases it when that
 * session ends, so when the holding process dies (even by kill -9) another one takes over at its next
 * round. Used from the duty's own thread only.
 */
public final class LeaderLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderLock.class);

    /** Where this process stands. */
    public enum State {
        /** This process holds the lock. */
        HELD,
        /** Another process holds it. */
        HELD_ELSEWHERE,
        /** The database did not answer: nobody can tell who holds it. */
        UNKNOWN
    }

    private final DataSource dataSource;
    private final long key;
    private final String duty;
    private Connection held;

    /**
     * @param key  the advisory lock's key, one per duty (e.g. "LVQEMAIL" in ASCII)
     * @param duty what the holder does, for the log ("sends the email outbox")
     */
    public LeaderLock(DataSource dataSource, long key, String duty) {
        this.dataSource = dataSource;
        this.key = key;
        this.duty = duty;
    }

    /** True while this process holds the lock; tries to take it when it does not. */
    public boolean holds() {
        return state() == State.HELD;
    }

    /** Whether this process holds the lock, trying to take it when it does not. */
    public State state() {
        try {
            if (held != null) {
                if (held.isValid(2)) {
                    return State.HELD;
                }
                log.warn("Lost the database session holding the lock of the process that {}; trying to take it again",
                        duty);
                closeQuietly();
            }
            Connection c = dataSource.getConnection();
            try (PreparedStatement s = c.prepareStatement("select pg_try_advisory_lock(?)")) {
                s.setLong(1, key);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    if (r.getBoolean(1)) {
                        held = c;
                        log.info("This process {} (it holds the lock)", duty);
                        return State.HELD;
                    }
                }
            }
            c.close();
            return State.HELD_ELSEWHERE;
        } catch (SQLException e) {
            closeQuietly();
            return State.UNKNOWN;
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
                s.setLong(1, key);
                s.execute();
            } catch (SQLException ignored) {
                // closing the session below releases it too
            }
            closeQuietly();
        }
    }
}
