package com.levqor.jobs.callbacks;

import com.levqor.crypto.Digests;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Standard Webhooks signatures: {@code webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>">}, keyed with the base64 part of a {@code whsec_…} secret.
 */
public final class WebhookSigner {
    public static final String PREFIX = "whsec_";
    private final byte[] key;
    private final String secret;

    public WebhookSigner(String secret) {
        this.secret = secret;
        String b64 = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
        this.key = Base64.getDecoder().decode(b64);
    }

    /** A random secret, for a process without {@code CALLBACK_SIGNING_SECRET}. */
    public static String randomSecret() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return PREFIX + Base64.getEncoder().encodeToString(b);
    }

    public String secret() {
        return secret;
    }

    /** The {@code webhook-signature} header value. */
    public String sign(String id, long timestampSeconds, String body) {
        byte[] sig = Digests.hmacSha256(key, (id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(sig);
    }
}
