package com.levqor.webhooks;

import com.levqor.crypto.Digests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Stripe's {@code Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]}: only {@code v1}
 * counts (a header with only {@code v0} is refused: no downgrade), any one of several {@code v1}
 * may match (Stripe sends one per active secret during a roll), the HMAC-SHA256 is over
 * {@code t + "." + raw body bytes}, compared in constant time, and {@code t} must be within the
 * tolerance of now in both directions (Stripe's own library accepts any future time).
 */
public final class StripeSignature {
    private StripeSignature() {
    }

    public static Verification.Outcome verify(String header, byte[] body, List<String> secrets, Instant now,
                                              long toleranceSeconds) {
        if (secrets.isEmpty()) {
            return Verification.Outcome.of(Verification.UNCONFIGURED,
                    "STRIPE_WEBHOOK_SECRET is not set, so Stripe events cannot be verified.");
        }
        if (header == null || header.isBlank()) {
            return Verification.Outcome.of(Verification.MISSING, "The Stripe-Signature header is missing.");
        }
        Long timestamp = null;
        List<String> v1 = new ArrayList<>();
        for (String item : header.split(",")) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                return Verification.Outcome.of(Verification.MALFORMED,
                        "The Stripe-Signature header is malformed: expected t=<seconds>,v1=<hex>.");
            }
            String key = item.substring(0, eq).trim();
            String value = item.substring(eq + 1).trim();
            if (key.equals("t")) {
                if (timestamp != null || !value.matches("[0-9]{1,12}")) {
                    return Verification.Outcome.of(Verification.MALFORMED,
                            "The Stripe-Signature header has a missing, repeated or non-numeric timestamp t.");
                }
                timestamp = Long.parseLong(value);
            } else if (key.equals("v1")) {
                v1.add(value);
            }
        }
        if (timestamp == null) {
            return Verification.Outcome.of(Verification.MALFORMED, "The Stripe-Signature header has no timestamp t.");
        }
        if (v1.isEmpty()) {
            return Verification.Outcome.of(Verification.MALFORMED,
                    "The Stripe-Signature header has no v1 signature; only the v1 scheme is accepted.");
        }
        long skew = Math.abs(now.getEpochSecond() - timestamp);
        if (skew > toleranceSeconds) {
            return Verification.Outcome.of(Verification.STALE, "The Stripe-Signature timestamp is " + skew
                    + " s from now; at most " + toleranceSeconds + " s is accepted.");
        }
        boolean match = false;
        for (String secret : secrets) {
            byte[] expected = Digests.hmacSha256(secret, timestamp + ".", body);
            for (String candidate : v1) {
                // No early exit: every candidate is compared, so timing says nothing about which matched.
                match |= Digests.matchesHex(expected, candidate);
            }
        }
        return match ? Verification.Outcome.ok() : Verification.Outcome.of(Verification.INVALID,
                "No v1 signature in Stripe-Signature matches the body under STRIPE_WEBHOOK_SECRET.");
    }
}
