package com.levqor.net;

/**
 * Outbound HTTP refused before a byte was sent: not an http(s) URL, a host that does not resolve, or
 * one that resolves to a special-use address not allow-listed. The message says which and what to set.
 */
public final class EgressRefusedException extends Exception {
    public EgressRefusedException(String message) {
        super(message);
    }
}
