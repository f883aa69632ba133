package com.levqor.backups;

/**
 * A backup or restore drill that could not do its work (pg_dump or psql failed, the file is gone, the
 * scratch database could not be made…); the message says what, with the tool's own words.
 */
public final class BackupFailedException extends Exception {
    public BackupFailedException(String message) {
        super(message);
    }

    public BackupFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
