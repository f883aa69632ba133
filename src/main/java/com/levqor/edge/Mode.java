package com.levqor.edge;

/** Whether the thread asking {@link EdgeChain#admit} may block on the database or Redis. */
public enum Mode {
    /** A pool thread: every guard may ask the database or Redis. */
    MAY_BLOCK,
    /**
     * Jetty's selector or an intake writer: guards answer from memory only (the key cache, local
     * buckets, the copy of the abuse blocks) and say {@link Verdict#HAND_OFF} otherwise.
     */
    MEMORY_ONLY
}
