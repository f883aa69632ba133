package com.levqor.jobs.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A named job handler. Built-in ones and a self-hoster's own are found through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/com.levqor.jobs.workflows.Workflow}).
 * A handler just throws on failure: the executor decides retry, dead or cancelled. It must stop
 * when its thread is interrupted (timeouts, cancels, shutdown).
 */
public interface Workflow {
    /** The name clients send as {@code workflow}, e.g. {@code echo}. */
    String name();

    /** Units of the daily budget one job of this workflow costs. */
    int cost();

    /** One sentence for {@code GET /api/v1/workflows}. */
    String description();

    /** Problems with a payload, by field name ({@code payload.ms}); empty when it is fine. */
    default Map<String, String> validate(JsonNode payload) {
        return Map.of();
    }

    /** Runs one attempt; returns the result (a JsonNode, or any value Jackson can write). */
    Object run(JobContext context) throws Exception;
}
