package com.levqor.http;

import io.javalin.http.Context;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.regex.Pattern;

/** Every response carries {@code X-Request-Id}: the caller's when it is sane, a new one otherwise. */
public final class RequestIds {
    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = "levqor.request_id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
    /** Seeds the per-thread generators (the platform's default, /dev/urandom on Linux). */
    private static final SecureRandom SEEDS = new SecureRandom();
    /**
     * One generator per thread: {@link UUID#randomUUID()} shares one NativePRNG whose reads of
     * /dev/urandom take a lock every request thread queues on.
     */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(RequestIds::newGenerator);

    private RequestIds() {
    }

    /** Assigns the request its id (idempotent) and sets the response header. */
    public static String assign(Context ctx) {
        String existing = ctx.attribute(ATTRIBUTE);
        if (existing != null) {
            return existing;
        }
        String id = choose(ctx.header(HEADER));
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
        return id;
    }

    /** The caller's {@code X-Request-Id} when it is sane (1–128 of {@code A-Za-z0-9._:-}), else a new one. */
    public static String choose(String incoming) {
        return incoming != null && SANE.matcher(incoming).matches() ? incoming : randomUuid().toString();
    }

    /** A random (version 4) UUID, as {@link UUID#randomUUID()} makes them, from this thread's generator. */
    static UUID randomUuid() {
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

    public static String of(Context ctx) {
        return assign(ctx);
    }
}
