package com.levqor.email;

import com.resend.core.net.AbstractHttpResponse;
import com.resend.core.net.HttpMethod;
import com.resend.core.net.IHttpClient;
import com.resend.core.net.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * resend-java's {@link IHttpClient}, the one piece of the SDK we replace: its own
 * ({@code com.resend.core.net.impl.HttpClient}) hard-codes {@code https://api.resend.com} and builds
 * an OkHttp client without timeouts. This one sends the same requests (the SDK still builds and
 * serialises them, and turns answers into {@code ResendException}s) to {@code RESEND_API_URL}, with
 * timeouts, and remembers the last answer's {@code Retry-After} per thread (the SDK keeps only the
 * status and body). Production and tests use it alike: tests only change the URL.
 */
final class ResendHttpClient implements IHttpClient<Response> {
    private static final String USER_AGENT = "resend-java/4.11.0 (levqor)";
    private final String baseUrl;
    private final OkHttpClient http;
    private final ThreadLocal<String> lastRetryAfter = new ThreadLocal<>();

    ResendHttpClient(URI baseUrl, Duration timeout) {
        String b = baseUrl.toString();
        this.baseUrl = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.http = new OkHttpClient.Builder().connectTimeout(timeout).readTimeout(timeout).writeTimeout(timeout)
                .callTimeout(timeout.multipliedBy(2)).retryOnConnectionFailure(false).build();
    }

    @Override
    public AbstractHttpResponse<Response> perform(String path, String apiKey, HttpMethod method, String payload,
                                                  MediaType mediaType) {
        return perform(path, apiKey, method, payload, mediaType, Map.of());
    }

    @Override
    public AbstractHttpResponse<Response> perform(String path, String apiKey, HttpMethod method, String payload,
                                                  MediaType mediaType, RequestOptions options) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (options != null) {
            if (options.getAdditionalHeaders() != null) {
                headers.putAll(options.getAdditionalHeaders());
            }
            if (options.getIdempotencyKey() != null) {
                headers.put("Idempotency-Key", options.getIdempotencyKey());
            }
        }
        return perform(path, apiKey, method, payload, mediaType, headers);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public AbstractHttpResponse<Response> perform(String path, String apiKey, HttpMethod method, String payload,
                                                  MediaType mediaType, Map<String, String> headers) {
        RequestBody body = payload == null ? null : RequestBody.create(payload, mediaType);
        Request.Builder b = new Request.Builder().url(baseUrl + path)
                .addHeader("Accept", "application/json")
                .addHeader("User-Agent", USER_AGENT)
                .addHeader("Authorization", "Bearer " + apiKey)
                .method(method.name(), body);
        if (headers != null) {
            headers.forEach(b::addHeader);
        }
        lastRetryAfter.remove();
        try (Response r = http.newCall(b.build()).execute()) {
            lastRetryAfter.set(r.header("Retry-After"));
            String text = r.body() == null ? "" : r.body().string();
            // The SDK reads the body as a String whatever the type parameter says.
            return (AbstractHttpResponse) new AbstractHttpResponse<>(r.code(), text, r.isSuccessful());
        } catch (IOException e) {
            throw new ResendUnreachableException(e);
        }
    }

    /** The {@code Retry-After} header of this thread's last answer, or null. */
    String lastRetryAfter() {
        return lastRetryAfter.get();
    }

    /** Resend could not be reached or did not answer in time. */
    static final class ResendUnreachableException extends RuntimeException {
        ResendUnreachableException(IOException cause) {
            super(cause.toString(), cause);
        }
    }
}
