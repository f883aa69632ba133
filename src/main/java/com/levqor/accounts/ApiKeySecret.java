package com.levqor.accounts;

import com.levqor.crypto.Digests;
import java.security.SecureRandom;

/**
 * A new API key as shown once to its owner: {@code lvq_} + 40 random base62 characters (about 238
 * bits). Only its SHA-256 digest and its visible prefix ({@code lvq_} + 8 characters) are stored.
 */
public record ApiKeySecret(String key, String prefix, byte[] hash) {
    public static final String SCHEME = "lvq_";
    static final int RANDOM_CHARS = 40;
    static final int PREFIX_CHARS = 8;
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    public static ApiKeySecret generate() {
        StringBuilder sb = new StringBuilder(SCHEME.length() + RANDOM_CHARS).append(SCHEME);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        String key = sb.toString();
        return new ApiKeySecret(key, prefixOf(key), sha256(key));
    }

    /** True when the text has the shape of a Levqor key (cheap check before any lookup). */
    public static boolean looksLikeKey(String text) {
        if (text == null || text.length() != SCHEME.length() + RANDOM_CHARS || !text.startsWith(SCHEME)) {
            return false;
        }
        for (int i = SCHEME.length(); i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    public static String prefixOf(String key) {
        return key.substring(0, SCHEME.length() + PREFIX_CHARS);
    }

    public static byte[] sha256(String key) {
        return Digests.sha256(key);
    }

    @Override
    public String toString() {
        return "ApiKeySecret[prefix=" + prefix + "]"; // never the key itself
    }
}
