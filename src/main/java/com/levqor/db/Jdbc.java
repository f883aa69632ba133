package com.levqor.db;

import java.sql.Connection;
import java.sql.SQLException;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;

/** Plain JDBC on the pool's connections, for {@link FixedSql} statements. */
public final class Jdbc {
    private Jdbc() {
    }

    /** Work on one connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** jOOQ on a connection already taken (inside {@link #transaction}), with the settings of {@code db}. */
    public static DSLContext dsl(DSLContext db, Connection c) {
        return org.jooq.impl.DSL.using(c, db.dialect(), db.settings());
    }

    /** Runs the work on one pooled connection, each statement committing by itself. */
    public static <T> T withConnection(DSLContext dsl, Work<T> work) {
        ConnectionProvider provider = dsl.configuration().connectionProvider();
        Connection c = provider.acquire();
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw FixedSql.translate(e);
        } finally {
            provider.release(c);
        }
    }

    /**
     * True when a statement failed because of the data of its rows (SQLSTATE class 22 data exception,
     * 23 integrity constraint, 54 program limit such as a row too large): the same rows fail again,
     * while without them the statement would pass. Anything else (no connection, a timeout, a
     * deadlock) may pass on a retry.
     */
    public static boolean badRow(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql) {
                // A failed JDBC batch reports the statement's own error as the next exception.
                String state = sql.getSQLState() != null ? sql.getSQLState()
                        : sql.getNextException() != null ? sql.getNextException().getSQLState() : null;
                if (state != null) {
                    return state.startsWith("22") || state.startsWith("23") || state.startsWith("54");
                }
            }
        }
        return false;
    }

    /**
     * Runs the work in one transaction: committed when it returns, rolled back when it throws. A
     * COMMIT that fails with the connection ({@link CommitOutcomeUnknown}) may have been applied.
     */
    public static <T> T transaction(DSLContext dsl, Work<T> work) {
        return withConnection(dsl, c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                try {
                    c.commit();
                } catch (SQLException e) {
                    throw CommitOutcomeUnknown.ofCommit(e);
                }
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailed) {
                    e.addSuppressed(rollbackFailed);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException broken) {
                    // the pool checks and replaces a broken connection; the work's own outcome stands
                }
            }
        });
    }
}
