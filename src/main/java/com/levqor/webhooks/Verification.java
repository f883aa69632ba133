package com.levqor.webhooks;

import java.util.Locale;

/** The result of checking a webhook signature, as counted in {@code levqor_webhook_verifications_total}. */
public enum Verification {
    /** The signature matches the raw body under a configured secret, within the tolerance. */
    VERIFIED("verified", null),
    /** No signature header (or, for Slack, no timestamp header). */
    MISSING("missing_signature", "The request carries no signature header."),
    /** The signature header cannot be read, or has no signature of the accepted scheme. */
    MALFORMED("malformed_signature", "The signature header is malformed."),
    /** The signed timestamp is too far from now, in either direction. */
    STALE("stale_signature", "The signature timestamp is outside the tolerance."),
    /** No signature matches. */
    INVALID("invalid_signature", "The signature does not match the request body."),
    /** The source's secret is not configured, so nothing can be verified. */
    UNCONFIGURED("webhook_secret_not_configured", "The signing secret of this webhook source is not configured.");

    private final String code;
    private final String defaultMessage;

    Verification(String code, String defaultMessage) {
        this.code = code;
        this.defaultMessage = defaultMessage;
    }

    /** The metric label: verified, missing, malformed, stale, invalid, unconfigured. */
    public String result() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The error code of the 401 answer. */
    public String code() {
        return code;
    }

    public String defaultMessage() {
        return defaultMessage;
    }

    /** A verification result with the reason in words. */
    public record Outcome(Verification result, String message) {
        public boolean verified() {
            return result == VERIFIED;
        }

        static Outcome of(Verification v, String message) {
            return new Outcome(v, message);
        }

        static Outcome ok() {
            return new Outcome(VERIFIED, "verified");
        }
    }
}
