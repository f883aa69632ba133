package com.levqor.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer other than success, thrown by handlers and services and turned into the JSON error
 * body {@code {"error":code,"message":…,"request_id":…,"details":{…}}} in one place
 * (the HTTP layer's {@code ErrorMapping}). Handlers never catch; they throw one of these.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> details;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message) {
        this(status, code, message, Map.of(), Map.of());
    }

    public ApiException(int status, String code, String message, Map<String, String> details,
                        Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = Map.copyOf(new LinkedHashMap<>(details));
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Field name to problem, for 400 answers; empty otherwise. Ordered as found. */
    public Map<String, String> details() {
        return details;
    }

    /** Extra response headers (Retry-After, WWW-Authenticate…). */
    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    /** 400 {@code invalid_request} naming each bad field; {@code details} keeps insertion order. */
    public static ApiException invalid(String message, Map<String, String> details) {
        return new ApiException(400, "invalid_request", message, new LinkedHashMap<>(details), Map.of());
    }

    public static ApiException unauthorized(String code, String message) {
        return new ApiException(401, code, message, Map.of(), Map.of("WWW-Authenticate", "Bearer"));
    }

    public static ApiException forbidden(String code, String message) {
        return new ApiException(403, code, message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "payload_too_large", message);
    }

    public static ApiException unsupportedMediaType(String message) {
        return new ApiException(415, "unsupported_media_type", message);
    }

    public static ApiException unavailable(String code, String message) {
        return new ApiException(503, code, message);
    }

    /** Code of {@link #databaseUnavailable}. */
    public static final String DATABASE_UNAVAILABLE = "database_unavailable";
    /** Retry-After of {@link #databaseUnavailable}, in seconds. */
    public static final int DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

    /**
     * 503 {@code database_unavailable} with {@code Retry-After}: no database connection could be had
     * (the database is down or unreachable, or has no connection left to give) or the one in use broke.
     *
     * @param consequence what it means for the request ("the job was not stored"), or empty
     */
    public static ApiException databaseUnavailable(String consequence) {
        return new ApiException(503, DATABASE_UNAVAILABLE, "The database is not answering or has no connection "
                + "free" + (consequence.isEmpty() ? "" : "; " + consequence) + ". Try again shortly.", Map.of(),
                Map.of("Retry-After", Integer.toString(DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)));
    }
}
