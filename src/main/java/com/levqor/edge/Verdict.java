package com.levqor.edge;

/** What {@link EdgeChain#admit} decided for a request. */
public enum Verdict {
    /** Serve it: the request carries its caller (API-key routes) and the headers to add. */
    ADMITTED,
    /** Answer {@link EdgeRequest#refusal()} instead, with its status, error code, details and headers. */
    REFUSED,
    /** A CORS preflight of an allowed origin: answer 204 with the headers of {@link EdgeRequest#writeHeaders}. */
    PREFLIGHT,
    /**
     * Only in {@link Mode#MEMORY_ONLY}: a guard would have to ask the database or Redis. Nothing was
     * counted or taken; run the request on a thread that may block, where it is admitted again.
     */
    HAND_OFF
}
