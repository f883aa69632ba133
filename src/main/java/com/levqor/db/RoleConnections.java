package com.levqor.db;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's connections as one {@link Database.Role} uses them: each runs with the role's
 * {@code statement_timeout} from the moment it is taken until it is given back, and is set back to
 * the pool's own timeout (the request path's) before it returns to the pool, so the next user of the
 * connection never inherits the role's. jOOQ takes one connection per transaction, so a transaction
 * through this provider keeps the role's timeout from its first statement to its commit.
 *
 * <p>The timeout is a session setting ({@code SET}, not {@code SET LOCAL}), sent while the
 * connection is in auto-commit so that no rollback undoes it. A connection whose timeout cannot be
 * set back is evicted from the pool rather than returned with the wrong timeout.
 */
final class RoleConnections implements ConnectionProvider {
    private static final Logger log = LoggerFactory.getLogger(RoleConnections.class);

    private final HikariDataSource pool;
    private final Database.Role role;
    private final String take;
    private final String giveBack;

    /**
     * @param roleMillis the role's statement timeout, in milliseconds
     * @param poolMillis the pool's (DB_STATEMENT_TIMEOUT_MS), which every connection has in the pool
     */
    RoleConnections(HikariDataSource pool, Database.Role role, long roleMillis, long poolMillis) {
        this.pool = pool;
        this.role = role;
        this.take = "set statement_timeout = " + roleMillis;
        this.giveBack = "set statement_timeout = " + poolMillis;
    }

    @Override
    public Connection acquire() {
        Connection c;
        try {
            c = pool.getConnection();
        } catch (SQLException e) {
            throw new DataAccessException("Error getting a connection of role " + role + " from the pool", e);
        }
        try (Statement s = c.createStatement()) {
            s.execute(take);
            return c;
        } catch (SQLException e) {
            pool.evictConnection(c);
            throw new DataAccessException("Could not set the statement timeout of role " + role + " (" + take
                    + ") on a pooled connection", e);
        }
    }

    @Override
    public void release(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                // Given back inside a transaction (a caller's bug): end it as the pool would, so the
                // reset below is not rolled back with it.
                c.rollback();
                c.setAutoCommit(true);
            }
            try (Statement s = c.createStatement()) {
                s.execute(giveBack);
            }
            c.close();
        } catch (SQLException e) {
            log.warn("Could not set a connection of role {} back to the pool's statement timeout ({}); evicting it "
                    + "from the pool: {}", role, giveBack, e.getMessage());
            pool.evictConnection(c);
        }
    }
}
