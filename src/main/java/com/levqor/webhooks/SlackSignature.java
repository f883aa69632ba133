package com.levqor.webhooks;

import com.levqor.crypto.Digests;
import java.time.Instant;
import java.util.Optional;

/**
 * Slack's request signing: {@code X-Slack-Signature: v0=<hex>} is the HMAC-SHA256 of
 * {@code "v0:" + X-Slack-Request-Timestamp + ":" + raw body} under the app's signing secret; the
 * timestamp must be within the tolerance of now in both directions.
 */
public final class SlackSignature {
    private SlackSignature() {
    }

    public static Verification.Outcome verify(String timestampHeader, String signatureHeader, byte[] body,
                                              Optional<String> secret, Instant now, long toleranceSeconds) {
        if (secret.isEmpty()) {
            return Verification.Outcome.of(Verification.UNCONFIGURED,
                    "SLACK_SIGNING_SECRET is not set, so Slack requests cannot be verified.");
        }
        if (signatureHeader == null || signatureHeader.isBlank() || timestampHeader == null
                || timestampHeader.isBlank()) {
            return Verification.Outcome.of(Verification.MISSING,
                    "The X-Slack-Signature or X-Slack-Request-Timestamp header is missing.");
        }
        String ts = timestampHeader.trim();
        String sig = signatureHeader.trim();
        if (!ts.matches("[0-9]{1,12}")) {
            return Verification.Outcome.of(Verification.MALFORMED,
                    "X-Slack-Request-Timestamp must be Unix seconds.");
        }
        if (!sig.startsWith("v0=")) {
            return Verification.Outcome.of(Verification.MALFORMED,
                    "X-Slack-Signature must be v0=<hex>; only the v0 scheme is accepted.");
        }
        long skew = Math.abs(now.getEpochSecond() - Long.parseLong(ts));
        if (skew > toleranceSeconds) {
            return Verification.Outcome.of(Verification.STALE, "X-Slack-Request-Timestamp is " + skew
                    + " s from now; at most " + toleranceSeconds + " s is accepted.");
        }
        byte[] expected = Digests.hmacSha256(secret.get(), "v0:" + ts + ":", body);
        return Digests.matchesHex(expected, sig.substring(3)) ? Verification.Outcome.ok()
                : Verification.Outcome.of(Verification.INVALID,
                "X-Slack-Signature does not match the body under SLACK_SIGNING_SECRET.");
    }
}
