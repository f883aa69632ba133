package com.levqor.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SHA-256, HMAC-SHA256 and constant-time comparison: the one place the process computes a digest
 * (API keys, the admin key, webhook signatures, callback signatures, event ids). Imports nothing of
 * the project.
 */
public final class Digests {
    /** Cloned per digest: {@code MessageDigest.getInstance} looks the provider up on every call. */
    private static final MessageDigest SHA_256_PROTOTYPE = newSha256();
    private static final boolean SHA_256_CLONEABLE = cloneable(SHA_256_PROTOTYPE);

    private Digests() {
    }

    public static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    /** SHA-256 of the text's UTF-8 bytes. */
    public static byte[] sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 as lower-case hex. */
    public static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256(data));
    }

    /** HMAC-SHA256 with a binary key over the concatenation of the parts. */
    public static byte[] hmacSha256(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    /** HMAC-SHA256 keyed with a text secret (its UTF-8 bytes) over a text prefix and raw bytes. */
    public static byte[] hmacSha256(String secret, String prefix, byte[] body) {
        return hmacSha256(secret.getBytes(StandardCharsets.UTF_8), prefix.getBytes(StandardCharsets.UTF_8), body);
    }

    /** Constant-time equality of two byte arrays (time depends on the length only). */
    public static boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /** True when the hex text encodes exactly the expected bytes; constant time in the bytes compared. */
    public static boolean matchesHex(byte[] expected, String hex) {
        if (hex == null || hex.length() != expected.length * 2) {
            return false;
        }
        byte[] presented;
        try {
            presented = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, presented);
    }

    private static MessageDigest sha256() {
        if (SHA_256_CLONEABLE) {
            try {
                return (MessageDigest) SHA_256_PROTOTYPE.clone();
            } catch (CloneNotSupportedException e) {
                // checked once at start-up; fall through to a fresh instance
            }
        }
        return newSha256();
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static boolean cloneable(MessageDigest md) {
        try {
            md.clone();
            return true;
        } catch (CloneNotSupportedException e) {
            return false;
        }
    }
}
