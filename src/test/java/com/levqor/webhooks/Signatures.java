package com.levqor.webhooks;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Signature vectors built in the tests, independently of the code under test. */
public final class Signatures {
    private Signatures() {
    }

    public static String hmacHex(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** {@code t=<t>,v1=<hmac of "t.body">}. */
    public static String stripe(String secret, long t, String body) {
        return "t=" + t + ",v1=" + hmacHex(secret, t + "." + body);
    }

    /** {@code v0=<hmac of "v0:ts:body">}. */
    public static String slack(String secret, long ts, String body) {
        return "v0=" + hmacHex(secret, "v0:" + ts + ":" + body);
    }
}
