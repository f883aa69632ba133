package com.levqor.jobs.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code http.request}: {@code {"method":"GET","url":"https://…","headers":{…},"body":…}}; the result
 * is {@code {"status":…,"headers":{…},"body":"…"}}. A 5xx or 429 answer fails the attempt (so it is
 * retried). Private and loopback targets are refused unless allow-listed ({@link Egress}).
 */
public final class HttpRequestWorkflow implements Workflow {
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
    private static final Set<String> FIELDS = Set.of("method", "url", "headers", "body");
    /** Longest response body kept in the result. */
    public static final int MAX_BODY_CHARS = 1_000_000;

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
        } else {
            try {
                URI u = new URI(url.textValue());
                String s = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!(s.equals("http") || s.equals("https")) || u.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (Exception e) {
                problems.put("payload.url", "must be an absolute http:// or https:// URL");
            }
        }
        JsonNode method = payload.get("method");
        if (method != null && (!method.isTextual() || !METHODS.contains(method.textValue().toUpperCase(Locale.ROOT)))) {
            problems.put("payload.method", "must be one of " + String.join(", ", new java.util.TreeSet<>(METHODS)));
        }
        JsonNode headers = payload.get("headers");
        if (headers != null && !headers.isNull()) {
            if (!headers.isObject()) {
                problems.put("payload.headers", "must be an object of header names to string values");
            } else {
                headers.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) {
                        problems.put("payload.headers." + e.getKey(), "must be a string");
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
        context.egress().check(uri);
        String method = p.path("method").asText("GET").toUpperCase(Locale.ROOT);
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        JsonNode b = p.get("body");
        boolean jsonBody = false;
        if (b != null && !b.isNull()) {
            if (b.isTextual()) {
                body = HttpRequest.BodyPublishers.ofString(b.textValue());
            } else {
                body = HttpRequest.BodyPublishers.ofString(context.mapper().writeValueAsString(b));
                jsonBody = true;
            }
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(context.timeout()).method(method, body);
        boolean hasType = false;
        JsonNode headers = p.get("headers");
        if (headers != null && headers.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> h = it.next();
                req.header(h.getKey(), h.getValue().asText());
                hasType |= h.getKey().equalsIgnoreCase("content-type");
            }
        }
        if (jsonBody && !hasType) {
            req.header("Content-Type", "application/json");
        }
        HttpResponse<byte[]> res = context.egress().client().send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        String text = new String(res.body(), StandardCharsets.UTF_8);
        if (res.statusCode() >= 500 || res.statusCode() == 429) {
            throw new RetryableStatus(method + " " + uri + " answered " + res.statusCode());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", res.statusCode());
        Map<String, String> hs = new LinkedHashMap<>();
        res.headers().map().forEach((k, v) -> hs.put(k, String.join(", ", v)));
        result.put("headers", hs);
        result.put("body", text.length() > MAX_BODY_CHARS ? text.substring(0, MAX_BODY_CHARS) : text);
        return result;
    }
}
