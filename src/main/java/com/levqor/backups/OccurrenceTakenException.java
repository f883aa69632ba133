package com.levqor.backups;

import java.time.Instant;

/**
 * A scheduled occurrence turned out to be recorded already when its run was about to record it:
 * another run has it, and this one stops without writing anything.
 */
public final class OccurrenceTakenException extends RuntimeException {
    public OccurrenceTakenException(BackupRuns.Kind kind, Instant scheduledFor) {
        super("the " + kind.wire() + " of " + scheduledFor + " is recorded already");
    }
}
