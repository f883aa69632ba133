package com.levqor.net;

import java.io.IOException;

/** An answer's body went over the caller's cap; reading stopped there and the connection was closed. */
public final class AnswerTooLargeException extends IOException {
    private final long capBytes;

    public AnswerTooLargeException(long capBytes) {
        this("the answer", capBytes);
    }

    /** @param what the request, e.g. {@code GET https://example.com/} */
    public AnswerTooLargeException(String what, long capBytes) {
        super(what + ": the answer's body is larger than the cap of " + capBytes + " bytes");
        this.capBytes = capBytes;
    }

    public long capBytes() {
        return capBytes;
    }
}
