package com.levqor.backups;

/**
 * {@code pg_dump} or {@code psql} is missing, does not run, or is older than the server: the message
 * names what to install. The command line exits with {@link #EXIT_STATUS}.
 */
public final class PgToolsMissingException extends Exception {
    /** Exit status of {@code levqor backup} and {@code levqor restore-verify} when the tools are missing. */
    public static final int EXIT_STATUS = 3;

    public PgToolsMissingException(String message) {
        super(message);
    }
}
