package com.levqor.edge;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * The first guard: every request gets an id, answered as {@code X-Request-Id} and written in its
 * log lines and error reports: the caller's own when it is sane (1–128 of {@code A-Za-z0-9._:-}),
 * a new random UUID otherwise.
 */
public final class RequestId {
    public static final String HEADER = "X-Request-Id";
    private static final int MAX_LENGTH = 128;
    /** Seeds the per-thread generators (the platform's default, /dev/urandom on Linux). */
    private static final SecureRandom SEEDS = new SecureRandom();
    /**
     * One generator per thread: {@link UUID#randomUUID()} shares one NativePRNG whose reads of
     * /dev/urandom take a lock every request thread queues on.
     */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(RequestId::newGenerator);

    private RequestId() {
    }

    static void assign(EdgeRequest r) {
        r.requestId(choose(r.requestIdHeader()));
    }

    /** The caller's {@code X-Request-Id} when it is sane, else a new one. */
    public static String choose(String incoming) {
        return sane(incoming) ? incoming : random().toString();
    }

    /** A character loop instead of a regular expression: it runs on every request. */
    private static boolean sane(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A random (version 4) UUID, as {@link UUID#randomUUID()} makes them, from this thread's generator. */
    public static UUID random() {
        byte[] b = new byte[16];
        RANDOM.get().nextBytes(b);
        b[6] = (byte) (b[6] & 0x0f | 0x40); // version 4
        b[8] = (byte) (b[8] & 0x3f | 0x80); // IETF variant
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = msb << 8 | (b[i] & 0xff);
            lsb = lsb << 8 | (b[i + 8] & 0xff);
        }
        return new UUID(msb, lsb);
    }

    private static SecureRandom newGenerator() {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            byte[] seed = new byte[32];
            SEEDS.nextBytes(seed);
            r.setSeed(seed); // before the first use: replaces self-seeding, which may read /dev/random
            return r;
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
