package com.levqor.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * A new API key as shown once to its owner: {@code lvq_} + 40 random base62 characters (about 238
 * bits). Only its SHA-256 digest and its visible prefix ({@code lvq_} + 8 characters) are stored.
 */
public record ApiKeySecret(String key, String prefix, byte[] hash) {
    public static final String SCHEME = "lvq_";
    static final int RANDOM_CHARS = 40;
    static final int PREFIX_CHARS = 8;
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern SHAPE = Pattern.compile("lvq_[0-9A-Za-z]{" + RANDOM_CHARS + "}");
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
        return text != null && SHAPE.matcher(text).matches();
    }

    public static String prefixOf(String key) {
        return key.substring(0, SCHEME.length() + PREFIX_CHARS);
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKeySecret[prefix=" + prefix + "]"; // never the key itself
    }
}
