package com.levqor.http;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.argument.StructuredArgument;

/**
 * One request's access-log entry, the one argument of its log call. As text ({@link #toString()},
 * what {@code %msg} shows in app.log) it is the line {@code GET /ops/uptime 200 0.81ms rid=…}; with
 * {@code LOG_FORMAT=json} the encoder also writes its fields beside the message: {@code request_id},
 * {@code method}, {@code route} (the template, never the raw path), {@code path} (escaped),
 * {@code status} and {@code duration_ms}.
 *
 * @param method    the method label ({@link RequestObserver#methodLabel})
 * @param path      the request path, already escaped for a log line
 * @param route     the route template, as the request metric names it
 * @param ms        time from the request's start to its answer, in milliseconds
 */
record AccessLine(String method, String path, String route, int status, float ms, String requestId)
        implements StructuredArgument {

    @Override
    public void writeTo(JsonGenerator generator) throws IOException {
        generator.writeStringField("request_id", requestId);
        generator.writeStringField("method", method);
        generator.writeStringField("route", route);
        generator.writeStringField("path", path);
        generator.writeNumberField("status", status);
        // The same two decimals the text line shows.
        generator.writeNumberField("duration_ms", Math.round(ms * 100.0) / 100.0);
    }

    @Override
    public String toString() {
        return RequestObserver.accessLine(method, path, status, ms, requestId);
    }
}
