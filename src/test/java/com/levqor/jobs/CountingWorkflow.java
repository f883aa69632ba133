package com.levqor.jobs;

import com.levqor.jobs.workflows.JobContext;
import com.levqor.jobs.workflows.Workflow;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code test.count}: counts its executions per job (to prove no job runs twice), optionally
 * sleeping {@code {"ms":…}}; with {@code {"hang_first":true}} its first attempt sleeps until
 * interrupted (a worker that hangs or dies holding the claim).
 */
public final class CountingWorkflow implements Workflow {
    public static final Map<UUID, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    public static final Map<UUID, Long> STARTED_NANOS = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "test.count";
    }

    @Override
    public int cost() {
        return 1;
    }

    @Override
    public String description() {
        return "Test workflow: counts executions per job.";
    }

    public static int runs(UUID id) {
        AtomicInteger n = RUNS.get(id);
        return n == null ? 0 : n.get();
    }

    @Override
    public Object run(JobContext context) throws Exception {
        RUNS.computeIfAbsent(context.jobId(), k -> new AtomicInteger()).incrementAndGet();
        STARTED_NANOS.putIfAbsent(context.jobId(), System.nanoTime());
        long ms = context.payload().path("ms").asLong(0);
        if (context.payload().path("hang_first").asBoolean(false) && context.attempt() == 1) {
            Thread.sleep(Long.MAX_VALUE);
        }
        if (ms > 0) {
            Thread.sleep(ms);
        }
        return Map.of("attempt", context.attempt());
    }
}
