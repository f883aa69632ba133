package com.levqor.http;

import com.levqor.api.ApiException;
import com.levqor.db.Database;
import com.levqor.edge.BodyLimits;

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
 * The database failing is not a bug of the request: unreachable, it answers 503
 * {@code database_unavailable}; a statement cancelled by its statement timeout (SQLSTATE 57014), 503
 * {@code database_timeout}; both with {@code Retry-After}.
 * A refusal that leaves body bytes unread (a body over the limit) closes the connection instead of
 * reading them away.
 */
public final class ErrorMapping {
    private static final String WRITTEN = "levqor.error_written";
    private static final String REPORTED = "levqor.error_reported";
    private static final String CODE = "levqor.error_code";
    /** SQLSTATE query_canceled: a statement_timeout expired (or the statement was cancelled). */
    static final String QUERY_CANCELED = "57014";
    /** The error code of a statement timeout's answer. */
    public static final String DATABASE_TIMEOUT = "database_timeout";
    /** Retry-After of a statement timeout, in seconds: what blocked the statement (a lock, a load) may have passed. */
    static final int DATABASE_TIMEOUT_RETRY_AFTER_SECONDS = 5;

    private final ErrorReporter reporter;
    private final BodyLimits bodyLimits;
    private final EdgeFilters edge;

    ErrorMapping(ErrorReporter reporter, BodyLimits bodyLimits, EdgeFilters edge) {
        this.reporter = reporter;
        this.bodyLimits = bodyLimits;
        this.edge = edge;
    }

    public void register(RoutesConfig routes) {
        routes.exception(ApiException.class, (e, ctx) -> write(ctx, e.status(), e.code(), e.getMessage(),
                e.details(), e.headers()));
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            // No route matched (404, 405): the guards of every request still apply (a blocked client,
            // a declared body over the limit, a CORS preflight).
            if ((e.getStatus() == 404 || e.getStatus() == 405) && Routes.UNMATCHED.equals(Routes.template(ctx))
                    && edge.unmatched(ctx)) {
                return;
            }
            fromStatus(ctx, e.getStatus(), e.getMessage());
        });
        routes.exception(org.jooq.exception.DataAccessException.class, (e, ctx) -> {
            if (Database.isConnectionFailure(e)) {
                ApiException a = ApiException.databaseUnavailable("");
                write(ctx, a.status(), a.code(), a.getMessage(), a.details(), a.headers());
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

    /** True when a statement behind {@code e} was cancelled by its statement timeout (SQLSTATE 57014). */
    static boolean isStatementTimeout(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLException sql && QUERY_CANCELED.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static ApiException databaseTimeout() {
        return new ApiException(503, DATABASE_TIMEOUT, "The database did not finish in time (statement timeout); "
                + "try again shortly.", Map.of(), Map.of("Retry-After",
                Integer.toString(DATABASE_TIMEOUT_RETRY_AFTER_SECONDS)));
    }

    /**
     * Reports a statement timeout (errors.jsonl names the statement's error and stack, which the
     * 503's own report would not) and returns the 503 to answer with.
     */
    private static ApiException reportTimeout(ErrorReporter reporter, String requestId, String method, String route,
                                              Throwable e) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("request_id", requestId);
        context.put("method", method);
        context.put("route", route);
        context.put("status", 503);
        reporter.report("http_5xx", method + " " + route + " answered 503: a database statement ran past its "
                + "statement timeout: " + e.getMessage(), e, context);
        return databaseTimeout();
    }

    /**
     * The answer to an exception nobody mapped (a direct route's): 503 when the database could not be
     * reached, else a 500 reported to errors.jsonl and Sentry.
     */
    static ApiException answerFor(ErrorReporter reporter, String requestId, String method, String route, Throwable e) {
        if (e instanceof org.jooq.exception.DataAccessException && Database.isConnectionFailure(e)) {
            return ApiException.databaseUnavailable("");
        }
        if (isStatementTimeout(e)) {
            return reportTimeout(reporter, requestId, method, route, e);
        }
        return reportUnhandled(reporter, requestId, method, route, e);
    }

    /** True when {@link #answerFor} reported the failure behind this answer itself (no second report of the 5xx). */
    static boolean reportedAlready(ApiException answer) {
        return answer.status() == 500 || DATABASE_TIMEOUT.equals(answer.code());
    }

    /** An exception no handler mapped: a statement timeout anywhere in its causes is a 503, anything else a 500. */
    private void unhandled(Context ctx, Throwable e) {
        String requestId = RequestIds.of(ctx);
        String method = RequestObserver.methodLabel(ctx.req().getMethod());
        String route = Routes.template(ctx);
        ApiException answer = isStatementTimeout(e) ? reportTimeout(reporter, requestId, method, route, e)
                : reportUnhandled(reporter, requestId, method, route, e);
        ctx.attribute(REPORTED, Boolean.TRUE);
        write(ctx, answer.status(), answer.code(), answer.getMessage(), answer.details(), answer.headers());
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

    /** The error code of the answer written, or null. */
    static String errorCode(Context ctx) {
        return ctx.attribute(CODE);
    }

    private void fromStatus(Context ctx, int status, String javalinMessage) {
        String method = RequestObserver.methodLabel(ctx.req().getMethod());
        switch (status) {
            case 404 -> write(ctx, 404, "not_found", "No route matches " + method + " " + ctx.path() + ".",
                    Map.of(), Map.of());
            case 405 -> write(ctx, 405, "method_not_allowed", "Method " + method + " is not allowed on "
                    + ctx.path() + ".", Map.of(), Map.of());
            case 413 -> {
                ApiException a = bodyLimits.tooLargeWhileRead();
                write(ctx, a.status(), a.code(), a.getMessage(), a.details(), a.headers());
            }
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
        // A refusal with Connection: close leaves the body unread (a pool thread would wait for it):
        // Jetty sends the answer and shuts its output; ReadAway drops what still arrives, on no thread.
        ctx.attribute(WRITTEN, Boolean.TRUE);
        ctx.attribute(CODE, code);
        ctx.status(status).json(body);
    }
}
