package com.levqor.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over a prefix and the raw body bytes, and a constant-time comparison with hex text. */
final class Hmac {
    private Hmac() {
    }

    static byte[] sha256(String secret, String prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(prefix.getBytes(StandardCharsets.UTF_8));
            mac.update(body);
            return mac.doFinal();
        } catch (Exception e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** True when the hex text encodes exactly the expected bytes; constant time in the bytes compared. */
    static boolean matchesHex(byte[] expected, String hex) {
        if (hex == null || hex.length() != expected.length * 2) {
            return false;
        }
        byte[] presented;
        try {
            presented = HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, presented);
    }
}
