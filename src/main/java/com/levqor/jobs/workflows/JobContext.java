package com.levqor.jobs.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.net.Egress;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.UUID;

/** What a workflow sees of the job it runs. */
public final class JobContext {
    private final UUID jobId;
    private final int attempt;
    private final String payloadJson;
    private final Duration timeout;
    private final ObjectMapper mapper;
    private final Egress egress;
    private JsonNode payload;

    public JobContext(UUID jobId, int attempt, String payloadJson, Duration timeout, ObjectMapper mapper, Egress egress) {
        this.jobId = jobId;
        this.attempt = attempt;
        this.payloadJson = payloadJson;
        this.timeout = timeout;
        this.mapper = mapper;
        this.egress = egress;
    }

    public UUID jobId() {
        return jobId;
    }

    /** 1 for the first run; grows with every claim. */
    public int attempt() {
        return attempt;
    }

    /** The payload as stored (JSON text), never re-parsed unless asked for. */
    public String payloadJson() {
        return payloadJson;
    }

    public JsonNode payload() {
        if (payload == null) {
            try {
                payload = mapper.readTree(payloadJson);
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return payload;
    }

    /** The run time limit of this attempt. */
    public Duration timeout() {
        return timeout;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Outbound HTTP behind the SSRF guard, with deadlines and caps: the only way a workflow should call out. */
    public Egress egress() {
        return egress;
    }
}
