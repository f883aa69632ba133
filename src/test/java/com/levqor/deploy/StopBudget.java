package com.levqor.deploy;

import com.levqor.config.HttpSettings;
import com.levqor.config.QueueSettings;

/**
 * How long an orderly stop may take with the default settings, in milliseconds: what the service
 * files' stop timeouts must exceed before their SIGKILL.
 */
final class StopBudget {
    /** {@code SHUTDOWN_DRAIN_MS}'s default: readiness answers 503 while the server keeps serving. */
    static final long DRAIN_MS = HttpSettings.DEFAULT_SHUTDOWN_DRAIN_MS;
    /** {@code Worker.close}: after the grace, running jobs are interrupted and awaited this much longer. */
    static final long WORKER_RELEASE_MS = 5_000;
    /** Writing the last outcomes, closing the pool, Redis and an embedded Postgres. */
    static final long CLOSE_MARGIN_MS = 10_000;

    private StopBudget() {
    }

    /** {@code levqor serve}: drain, in-flight requests, running jobs, then closing. */
    static long serveMillis() {
        return DRAIN_MS + HttpSettings.DEFAULT_SHUTDOWN_GRACE_MS + workerMillis();
    }

    /** {@code levqor worker}: running jobs, then closing. */
    static long workerMillis() {
        return QueueSettings.DEFAULT_SHUTDOWN_GRACE_MS + WORKER_RELEASE_MS + CLOSE_MARGIN_MS;
    }
}
