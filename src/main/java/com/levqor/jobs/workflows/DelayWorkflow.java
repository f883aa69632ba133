package com.levqor.jobs.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code delay}: sleeps {@code {"ms":…}} milliseconds (at most a day), then returns {@code {"slept_ms":…}}. */
public final class DelayWorkflow implements Workflow {
    public static final long MAX_MS = 86_400_000L;

    @Override
    public String name() {
        return "delay";
    }

    @Override
    public int cost() {
        return 1;
    }

    @Override
    public String description() {
        return "Sleeps payload.ms milliseconds, then succeeds.";
    }

    @Override
    public Map<String, String> validate(JsonNode payload) {
        JsonNode ms = payload.get("ms");
        if (ms == null || !ms.canConvertToLong() || !ms.isIntegralNumber() || ms.longValue() < 0 || ms.longValue() > MAX_MS) {
            return Map.of("payload.ms", "must be a whole number of milliseconds from 0 to " + MAX_MS);
        }
        return Map.of();
    }

    @Override
    public Object run(JobContext context) throws InterruptedException {
        long ms = context.payload().path("ms").asLong(0);
        Thread.sleep(ms);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("slept_ms", ms);
        return result;
    }
}
