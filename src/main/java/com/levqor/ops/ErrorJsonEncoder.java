package com.levqor.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.event.KeyValuePair;

/**
 * Writes one JSON object per line for {@code logs/errors.jsonl}: time, level, the event's key-value
 * pairs (request_id, method, route, status, job_id…), error_class, message and stack, so
 * {@code tail -100 logs/errors.jsonl | jq} works.
 */
public final class ErrorJsonEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.UTF_8);
    private final JsonFactory factory = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair kv : event.getKeyValuePairs()) {
                    if (kv.value == null) {
                        g.writeNullField(kv.key);
                    } else if (kv.value instanceof Number n) {
                        g.writeNumberField(kv.key, n.longValue());
                    } else {
                        g.writeStringField(kv.key, kv.value.toString());
                    }
                }
            }
            IThrowableProxy t = event.getThrowableProxy();
            g.writeStringField("error_class", t == null ? null : t.getClassName());
            g.writeStringField("message", event.getFormattedMessage());
            g.writeStringField("stack", t == null ? null : ThrowableProxyUtil.asString(t));
            g.writeEndObject();
        } catch (IOException e) {
            return ("{\"level\":\"ERROR\",\"message\":\"could not encode an error event\"}\n")
                    .getBytes(StandardCharsets.UTF_8);
        }
        out.writeBytes(NEWLINE);
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
