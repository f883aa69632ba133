package com.levqor.http;

import com.levqor.api.ApiException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code INTAKE_MAX_BYTES_IN_FLIGHT}: the bodies a direct route holds at once (each counted by its
 * declared length from the moment its buffer is allocated until its answer is written), so
 * clients that declare large bodies and send them slowly, or a backlog waiting for a commit,
 * cannot fill the heap. Beyond it a request is refused 503 {@code server_busy} with
 * {@code Retry-After} before a byte of its body is read.
 */
final class BytesInFlight {
    /** Seconds a refused client is asked to wait. */
    static final int RETRY_AFTER_SECONDS = 1;
    static final String SERVER_BUSY = "server_busy";

    private final long max;
    private final AtomicLong held = new AtomicLong();

    BytesInFlight(long max) {
        this.max = max;
    }

    /** Takes room for a body of {@code bytes}; false (nothing taken) when it would go past the limit. */
    boolean reserve(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        if (held.addAndGet(bytes) > max) {
            held.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    void release(long bytes) {
        if (bytes > 0) {
            held.addAndGet(-bytes);
        }
    }

    /** Bytes held now. */
    long held() {
        return held.get();
    }

    ApiException busy() {
        return new ApiException(503, SERVER_BUSY, "Too many request bodies are being received at once (more than "
                + max + " bytes, INTAKE_MAX_BYTES_IN_FLIGHT); retry in " + RETRY_AFTER_SECONDS + " s.", Map.of(),
                Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS), "Connection", "close"));
    }
}
