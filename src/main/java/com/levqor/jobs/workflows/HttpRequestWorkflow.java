package com.levqor.jobs.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.levqor.net.EgressAnswer;
import com.levqor.net.EgressRequest;
import com.levqor.net.HttpUrls;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code http.request}: {@code {"method":"GET","url":"https://…","headers":{…},"body":…}}; the result
 * is {@code {"status":…,"headers":{…},"body":"…"}}. A 5xx or 429 answer fails the attempt (so it is
 * retried). Special-use targets (loopback, private…) are refused unless allow-listed, and the whole
 * exchange must end within the job's {@code timeout_seconds} with a body of at most
 * {@link #MAX_ANSWER_BYTES}: past either the attempt fails ({@link com.levqor.net.Egress}).
 */
public final class HttpRequestWorkflow implements Workflow {
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
    private static final Set<String> FIELDS = Set.of("method", "url", "headers", "body");
    /** Largest answer body, in bytes (1 MiB): a larger one fails the attempt and is not kept. */
    public static final long MAX_ANSWER_BYTES = 1L << 20;

    /** An answer that should be retried (5xx, 429). */
    public static final class RetryableStatus extends RuntimeException {
        public RetryableStatus(String message) {
            super(message);
        }
    }

    @Override
    public String name() {
        return "http.request";
    }

    @Override
    public int cost() {
        return 5;
    }

    @Override
    public String description() {
        return "Makes an HTTP request (method, url, headers, body) and returns its status and body.";
    }

    @Override
    public Map<String, String> validate(JsonNode payload) {
        Map<String, String> problems = new LinkedHashMap<>();
        for (Iterator<String> it = payload.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                problems.put("payload." + f, "is not a known field (method, url, headers, body)");
            }
        }
        JsonNode url = payload.get("url");
        if (url == null || !url.isTextual()) {
            problems.put("payload.url", "is required: an absolute http:// or https:// URL");
        } else if (HttpUrls.parse(url.textValue()).isEmpty()) {
            problems.put("payload.url", "must be " + HttpUrls.EXPECTED);
        }
        JsonNode method = payload.get("method");
        if (method != null && (!method.isTextual() || !METHODS.contains(method.textValue().toUpperCase(Locale.ROOT)))) {
            problems.put("payload.method", "must be one of " + String.join(", ", new TreeSet<>(METHODS)));
        }
        JsonNode headers = payload.get("headers");
        if (headers != null && !headers.isNull()) {
            if (!headers.isObject()) {
                problems.put("payload.headers", "must be an object of header names to string values");
            } else {
                headers.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) {
                        problems.put("payload.headers." + e.getKey(), "must be a string");
                    } else {
                        EgressRequest.headerProblem(e.getKey(), e.getValue().textValue())
                                .ifPresent(p -> problems.put("payload.headers." + e.getKey(), p));
                    }
                });
            }
        }
        return problems;
    }

    @Override
    public Object run(JobContext context) throws Exception {
        JsonNode p = context.payload();
        URI uri = URI.create(p.path("url").asText());
        String method = p.path("method").asText("GET").toUpperCase(Locale.ROOT);
        byte[] body = null;
        JsonNode b = p.get("body");
        boolean jsonBody = false;
        if (b != null && !b.isNull()) {
            if (b.isTextual()) {
                body = b.textValue().getBytes(StandardCharsets.UTF_8);
            } else {
                body = context.mapper().writeValueAsBytes(b);
                jsonBody = true;
            }
        }
        List<EgressRequest.Header> headers = new ArrayList<>();
        boolean hasType = false;
        JsonNode given = p.get("headers");
        if (given != null && given.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> h = it.next();
                headers.add(new EgressRequest.Header(h.getKey(), h.getValue().asText()));
                hasType |= h.getKey().equalsIgnoreCase("content-type");
            }
        }
        if (jsonBody && !hasType) {
            headers.add(new EgressRequest.Header("Content-Type", "application/json"));
        }
        EgressAnswer res = context.egress().send(new EgressRequest(method, uri, headers, body, context.timeout(),
                MAX_ANSWER_BYTES, EgressRequest.Body.READ));
        if (res.status() >= 500 || res.status() == 429) {
            throw new RetryableStatus(method + " " + uri + " answered " + res.status());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", res.status());
        Map<String, String> hs = new LinkedHashMap<>();
        res.headers().forEach((k, v) -> hs.put(k, String.join(", ", v)));
        result.put("headers", hs);
        result.put("body", new String(res.body(), StandardCharsets.UTF_8));
        return result;
    }
}
