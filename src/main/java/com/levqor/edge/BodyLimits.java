package com.levqor.edge;

import com.levqor.api.ApiException;
import com.levqor.ops.LogText;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits on request bodies: {@code MAX_BODY_BYTES} (always on: a body declared longer is
 * refused 413 before a byte of it is read, and the connection is closed after the answer instead of
 * serving the next request), and {@code MIN_REQUEST_DATA_RATE} with the abuse guards on (a body arriving slower is cut
 * off 408). Refusals that leave unread bytes close the connection.
 */
public final class BodyLimits {
    private static final Logger log = LoggerFactory.getLogger(BodyLimits.class);
    private static final Map<String, String> CLOSE = Map.of("Connection", "close");

    private final long maxBodyBytes;
    private final long minBytesPerSecond;

    /** @param minBytesPerSecond the minimum data rate, 0 for none */
    public BodyLimits(long maxBodyBytes, long minBytesPerSecond) {
        this.maxBodyBytes = maxBodyBytes;
        this.minBytesPerSecond = minBytesPerSecond;
    }

    boolean admit(EdgeRequest r) {
        long declared = r.declaredLength();
        if (declared > maxBodyBytes) {
            r.refuse(new ApiException(413, "payload_too_large", "The request body of " + declared
                    + " bytes is larger than the limit of " + maxBodyBytes + " bytes (MAX_BODY_BYTES).", Map.of(), CLOSE));
            return false;
        }
        return true;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Bytes per second below which a body is cut off with a 408 (0: no minimum). */
    public long minBytesPerSecond() {
        return minBytesPerSecond;
    }

    /** Whether a body of which {@code read} bytes arrived within {@code millis} of its first byte is too slow. */
    public boolean tooSlow(long read, long millis) {
        return minBytesPerSecond > 0 && read < minBytesPerSecond * millis / 1000;
    }

    /** A body that turned out longer than the limit while it was read (no declared length). */
    public ApiException tooLargeWhileRead() {
        return new ApiException(413, "payload_too_large", "The request body is larger than the limit of "
                + maxBodyBytes + " bytes (MAX_BODY_BYTES).", Map.of(), CLOSE);
    }

    /**
     * The answer to a body refused while it was read (too slow: 408; broken: 400), logged; the
     * connection is closed after it.
     */
    public static ApiException unreadable(int code, String reason, String method, String path, String ip) {
        int status = code >= 400 && code < 500 ? code : 400;
        log.warn("Refused the body of {} {} from {}: {}", LogText.escape(method), LogText.escape(path),
                LogText.escape(ip), LogText.escape(reason));
        if (status == 408) {
            return new ApiException(408, "request_timeout", "The request body arrived too slowly (below "
                    + "MIN_REQUEST_DATA_RATE bytes per second); send it at once.", Map.of(), CLOSE);
        }
        return new ApiException(status, "bad_request", "The request body could not be read: " + reason + ".",
                Map.of(), CLOSE);
    }
}
