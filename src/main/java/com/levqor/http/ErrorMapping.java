package com.levqor.http;

import com.levqor.api.ApiException;

import com.levqor.ops.ErrorReporter;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where failures become HTTP answers. Every status, including Javalin's own
 * 404/405/413 and a malformed body, is the JSON body
 * {@code {"error":code,"message":sentence,"request_id":id}} (plus {@code details} when fields are
 * named). An unhandled exception is a 500 with no stack trace, reported to errors.jsonl and Sentry.
 */
public final class ErrorMapping {
    private static final String WRITTEN = "levqor.error_written";
    private static final String REPORTED = "levqor.error_reported";

    private final ErrorReporter reporter;
    private final long maxBodyBytes;

    public ErrorMapping(ErrorReporter reporter, long maxBodyBytes) {
        this.reporter = reporter;
        this.maxBodyBytes = maxBodyBytes;
    }

    public void register(RoutesConfig routes) {
        routes.exception(ApiException.class, (e, ctx) -> write(ctx, e.status(), e.code(), e.getMessage(),
                e.details(), e.headers()));
        routes.exception(HttpResponseException.class, (e, ctx) -> fromStatus(ctx, e.getStatus(), e.getMessage()));
        routes.exception(org.jooq.exception.DataAccessException.class, (e, ctx) -> {
            if (isConnectionFailure(e)) {
                write(ctx, 503, "database_unavailable", "The database is not answering; try again shortly.",
                        Map.of(), Map.of("Retry-After", "5"));
            } else {
                unhandled(ctx, e);
            }
        });
        routes.exception(Exception.class, (e, ctx) -> unhandled(ctx, e));
        for (int status : new int[] {400, 404, 405, 413, 415, 429, 500, 503}) {
            routes.error(status, ctx -> {
                // Only fill in answers that have no body yet: a handler's own 503 (uptime down) stays.
                if (ctx.attribute(WRITTEN) == null && (ctx.result() == null || ctx.result().isEmpty())) {
                    fromStatus(ctx, status, null);
                }
            });
        }
    }

    /** True when the database could not be reached (pool timeout, refused or broken connection). */
    static boolean isConnectionFailure(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
            // 08: connection exceptions; 57P: the server shutting down or not accepting connections yet.
            if (c instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    /** For Errors (OutOfMemoryError, StackOverflowError…) that bypass exception handlers. */
    public void javaLangError(Context ctx, Throwable t) {
        unhandled(ctx, t);
    }

    private void unhandled(Context ctx, Throwable e) {
        ApiException answer = reportUnhandled(reporter, RequestIds.of(ctx), ctx.method().name(), Routes.template(ctx), e);
        ctx.attribute(REPORTED, Boolean.TRUE);
        write(ctx, answer.status(), answer.code(), answer.getMessage(), Map.of(), Map.of());
    }

    /** Reports an unhandled exception (errors.jsonl, Sentry) and returns the 500 to answer with. */
    public static ApiException reportUnhandled(ErrorReporter reporter, String requestId, String method, String route,
                                               Throwable e) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("request_id", requestId);
        context.put("method", method);
        context.put("route", route);
        context.put("status", 500);
        reporter.report("unhandled_exception", "Unhandled " + e.getClass().getSimpleName() + " on " + method + " "
                + route + ": " + e.getMessage(), e, context);
        return new ApiException(500, "internal_error", "An unexpected error occurred. Quote request id " + requestId
                + " when reporting it.");
    }

    /** True when this request's failure has already been reported (no second errors.jsonl line). */
    static boolean alreadyReported(Context ctx) {
        return ctx.attribute(REPORTED) != null;
    }

    private void fromStatus(Context ctx, int status, String javalinMessage) {
        String method = ctx.method().name();
        switch (status) {
            case 404 -> write(ctx, 404, "not_found", "No route matches " + method + " " + ctx.path() + ".",
                    Map.of(), Map.of());
            case 405 -> write(ctx, 405, "method_not_allowed", "Method " + method + " is not allowed on "
                    + ctx.path() + ".", Map.of(), Map.of());
            case 413 -> write(ctx, 413, "payload_too_large", "The request body is larger than the limit of "
                    + maxBodyBytes + " bytes (MAX_BODY_BYTES).", Map.of(), Map.of());
            case 400 -> write(ctx, 400, "bad_request", javalinMessage == null || javalinMessage.isBlank()
                    ? "The request could not be understood." : javalinMessage, Map.of(), Map.of());
            case 415 -> write(ctx, 415, "unsupported_media_type", "Send the body as application/json.",
                    Map.of(), Map.of());
            case 500 -> write(ctx, 500, "internal_error", "An unexpected error occurred. Quote request id "
                    + RequestIds.of(ctx) + " when reporting it.", Map.of(), Map.of());
            case 503 -> write(ctx, 503, "unavailable", "The service is unavailable; try again shortly.",
                    Map.of(), Map.of());
            default -> write(ctx, status, "http_" + status, javalinMessage == null || javalinMessage.isBlank()
                    ? "The request failed with status " + status + "." : javalinMessage, Map.of(), Map.of());
        }
    }

    /** Largest refused body read and thrown away so the client sees its 413 (beyond it: the connection closes). */
    static final long DRAIN_CAP_BYTES = 8L * 1024 * 1024;

    /**
     * Reads and discards what is left of a refused body (up to {@link #DRAIN_CAP_BYTES}). Closing the
     * connection with unread bytes makes the peer's TCP stack reset it, and a client still sending
     * would then see a broken pipe instead of the 413 answer. Slow senders are cut off by Jetty's
     * minimum data rate.
     */
    private static void drainRefusedBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > DRAIN_CAP_BYTES) {
            return;
        }
        byte[] buffer = new byte[64 * 1024];
        long left = DRAIN_CAP_BYTES;
        try (java.io.InputStream in = ctx.req().getInputStream()) {
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= n;
            }
        } catch (java.io.IOException | RuntimeException ignored) {
            // the client went away or the stream was consumed already: nothing more to drain
        }
    }

    /** The JSON error body: {@code {"error","message","request_id"[,"details"]}}. */
    public static Map<String, Object> body(String code, String message, String requestId, Map<String, String> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        body.put("request_id", requestId);
        if (!details.isEmpty()) {
            body.put("details", details);
        }
        return body;
    }

    /** Writes the JSON error body; the single writer of error answers (the direct routes use {@link #body}). */
    public static void write(Context ctx, int status, String code, String message, Map<String, String> details,
                             Map<String, String> headers) {
        Map<String, Object> body = body(code, message, RequestIds.of(ctx), details);
        headers.forEach(ctx::header);
        if (status == 413) {
            drainRefusedBody(ctx);
        }
        ctx.attribute(WRITTEN, Boolean.TRUE);
        ctx.status(status).json(body);
    }
}
