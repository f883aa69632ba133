package com.levqor.abuse;

import java.time.Instant;
import java.util.UUID;

/**
 * An IP blocked by the abuse guards. In force while {@code now < until} and not lifted.
 *
 * @param ip     who: the client IP
 * @param reason why: {@code failed_auth}
 * @param hits   failed attempts counted when the block was placed
 * @param level  1 for a first block; the block that reaches ABUSE_ESCALATE_AFTER_BLOCKS within a day is escalated
 */
public record Block(UUID id, String ip, String reason, int hits, int level, Instant since, Instant until,
                    Instant liftedAt) {

    public boolean activeAt(Instant now) {
        return liftedAt == null && until.isAfter(now);
    }
}
