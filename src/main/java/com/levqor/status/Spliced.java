package com.levqor.status;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An answer rendered once per snapshot whose absolute links need the server's public origin
 * ({@code https://status.example.com}), which may differ per request when {@code PUBLIC_BASE_URL} is
 * unset: the rendered text is kept in parts around a marker that only this process knows, and each
 * answer is the parts joined with the origin (already escaped for the format by the caller).
 *
 * <p>The joined answer of each origin is kept with the snapshot ({@link #forOrigin}), so a request
 * writes bytes joined once instead of joining them again: there are one or two origins in practice
 * (PUBLIC_BASE_URL, or the host names the server is reached by). Past {@link #MAX_ORIGINS} different
 * ones (a client making up Host headers) further origins are joined per request, as they all were.
 */
final class Spliced {
    /** Origins whose joined answer is kept per snapshot. */
    static final int MAX_ORIGINS = 16;

    private final List<byte[]> parts = new ArrayList<>();
    private final Map<String, Rendered> joined = new ConcurrentHashMap<>();
    private final int length;
    private final String contentType;
    private final long version;

    Spliced(String rendered, String marker, String contentType, long version) {
        int from = 0;
        int total = 0;
        for (int at = rendered.indexOf(marker); at >= 0; at = rendered.indexOf(marker, from)) {
            byte[] b = rendered.substring(from, at).getBytes(StandardCharsets.UTF_8);
            parts.add(b);
            total += b.length;
            from = at + marker.length();
        }
        byte[] last = rendered.substring(from).getBytes(StandardCharsets.UTF_8);
        parts.add(last);
        this.length = total + last.length;
        this.contentType = contentType;
        this.version = version;
    }

    /**
     * The answer for a request's origin, joined (and gzipped) once per snapshot and origin.
     *
     * @param origin       the origin as the entity tag is computed from
     * @param originInBody the same origin escaped for the format
     */
    Rendered forOrigin(String origin, String originInBody) {
        Rendered r = joined.get(origin);
        if (r != null) {
            return r;
        }
        byte[] bytes = with(originInBody);
        r = new Rendered(bytes, Rendered.gzip(bytes), contentType, etag(origin));
        if (joined.size() < MAX_ORIGINS) {
            Rendered raced = joined.putIfAbsent(origin, r);
            return raced != null ? raced : r;
        }
        return r;
    }

    byte[] with(String origin) {
        byte[] o = origin.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + o.length * (parts.size() - 1));
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.writeBytes(o);
            }
            out.writeBytes(parts.get(i));
        }
        return out.toByteArray();
    }

    String contentType() {
        return contentType;
    }

    /** The entity tag of the answer for one origin. */
    String etag(String origin) {
        return "\"s" + version + "-" + Integer.toHexString(origin.hashCode()) + "\"";
    }
}
