package com.levqor.db;

import java.sql.SQLException;
import org.jooq.exception.DataAccessException;

/**
 * The request that commits failed in a way that leaves its outcome unknown: the connection broke
 * (or the server ended the session) while the database may have been committing, so the work may or
 * may not be stored. A failure the database itself reports (a constraint, a bad value, a lock
 * timeout) rolls back and is not one of these. Callers that acknowledge writes say "may have been
 * stored" rather than "nothing was stored".
 */
public final class CommitOutcomeUnknown extends DataAccessException {
    /** SQLSTATEs of a session the server ended: admin shutdown, crash shutdown (class 57P). */
    private static final String ADMIN_SHUTDOWN = "57P01";
    private static final String CRASH_SHUTDOWN = "57P02";

    private CommitOutcomeUnknown(String message, SQLException cause) {
        super(message, cause);
    }

    /**
     * Whether a failure of a committing request leaves the commit's outcome unknown: a connection
     * exception (SQLSTATE class 08, which the driver also reports for I/O errors) or a session ended
     * by the server; anything else the database reported as an error of the work, and rolled back.
     */
    public static boolean leavesOutcomeUnknown(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.equals(ADMIN_SHUTDOWN) || state.equals(CRASH_SHUTDOWN);
    }

    /**
     * The failure of a request that commits (a COMMIT, or a statement run in auto-commit mode), as
     * callers should see it: a {@link CommitOutcomeUnknown} when its outcome is unknown, else as
     * {@link FixedSql#translate} reports any failure.
     */
    public static DataAccessException ofCommit(SQLException e) {
        return leavesOutcomeUnknown(e)
                ? new CommitOutcomeUnknown("SQL [" + e.getSQLState() + "]; " + e.getMessage()
                        + " (the commit's outcome is unknown)", e)
                : FixedSql.translate(e);
    }

    /** {@link #ofCommit(SQLException)} for a failure already translated (e.g. by {@link FixedSql}). */
    public static DataAccessException ofCommit(DataAccessException e) {
        return e.getCause() instanceof SQLException s && !(e instanceof CommitOutcomeUnknown) && leavesOutcomeUnknown(s)
                ? ofCommit(s) : e;
    }
}
