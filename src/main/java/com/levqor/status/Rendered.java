package com.levqor.status;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * One public answer rendered once per snapshot: its bytes, the same bytes gzipped (clients that accept
 * gzip get them without compressing per request), its content type and its entity tag. Both HTTP
 * paths write these very arrays (the selector's, see {@link StatusHandlers#prepared}); nobody may
 * change them.
 */
public record Rendered(byte[] bytes, byte[] gzipped, String contentType, String etag) {

    static Rendered of(String text, String contentType, String etag) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new Rendered(bytes, gzip(bytes), contentType, etag);
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
