package com.levqor.jobs.queue;

import com.levqor.jobs.model.JobRef;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Where a worker takes job ids from: the Redis lists (async mode) or the in-process queue (sync mode). */
public interface JobSource {
    /** Up to {@code max} ids, high priority first; waits up to {@code waitMillis} when there are none. */
    List<JobRef> take(int max, long waitMillis) throws InterruptedException;

    /** The outcome of these ids is recorded (or their claim was lost): forget them. */
    void done(Collection<UUID> ids);

    /** A short name for logs. */
    String name();
}
