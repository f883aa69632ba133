package com.levqor.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 document of this API, the resource file
 * {@code openapi.json} of the jar, served as it is. It changes only with a new build, so answers
 * carry an entity tag ({@code If-None-Match} gets 304) and may be reused for {@value #MAX_AGE_SECONDS} s.
 */
final class ApiDocument {
    static final String RESOURCE = "/openapi.json";
    /** How long clients and proxies may reuse the document before they revalidate it. */
    static final int MAX_AGE_SECONDS = 300;
    static final String CACHE_CONTROL = "public, max-age=" + MAX_AGE_SECONDS;

    private final byte[] bytes;
    private final String etag;

    private ApiDocument(byte[] bytes) {
        this.bytes = bytes;
        this.etag = "\"" + sha256(bytes).substring(0, 16) + "\"";
    }

    static ApiDocument load() {
        try (InputStream in = ApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The API document " + RESOURCE + " is missing from the class path");
            }
            return new ApiDocument(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("The API document " + RESOURCE + " could not be read", e);
        }
    }

    void serve(Context ctx) {
        ctx.header("Cache-Control", CACHE_CONTROL);
        ctx.header("ETag", etag);
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType("application/json").result(bytes);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
