package com.levqor.email;

import com.levqor.config.EmailSettings;
import com.resend.core.exception.ResendException;
import com.resend.core.net.RequestOptions;
import com.resend.core.service.BaseService;
import com.resend.services.emails.Emails;
import com.resend.services.emails.model.CreateEmailOptions;
import com.resend.services.emails.model.CreateEmailResponse;
import java.lang.reflect.Field;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * Sends one rendered email through resend-java's {@link Emails#send(CreateEmailOptions, RequestOptions)},
 * with the outbox row id as Resend's {@code Idempotency-Key} (a crash between "sent" and "marked
 * sent" resends with the same key, and Resend does not deliver it twice), and classifies the answer.
 *
 * <p>The seam: resend-java 4.11.0's {@code Emails} has only the constructor taking an API key, which
 * installs its own HTTP client with the base URL hard-coded (the package-private constructor taking
 * an {@code IHttpClient} that its documentation mentions is not in this version). The client is the
 * SDK's own extension point ({@code BaseService.httpClient}, typed by the public {@code IHttpClient}
 * interface), so we set it once, by reflection, to {@link ResendHttpClient}. Everything else — the
 * request body, the endpoint path, the error parsing — is the SDK's code, in production and in the
 * tests, which only point {@code RESEND_API_URL} at a local fake.
 */
final class ResendMailer {
    /** What an attempt came to. */
    sealed interface Result permits Sent, Refused, Retry {
    }

    /** Resend accepted the email. */
    record Sent(String providerId) implements Result {
    }

    /** Resend refused it for good (invalid address, bad sender…): retrying cannot help. */
    record Refused(String reason) implements Result {
    }

    /**
     * Try again later: Resend failed or was unreachable ({@code providerFailure}), or asked us to slow
     * down (429, {@code retryAfter} when it said how long), or refused a credential the operator can fix.
     */
    record Retry(String reason, boolean providerFailure, Duration retryAfter) implements Result {
    }

    private final Emails emails;
    private final ResendHttpClient http;
    private final String from;
    private final Clock clock;

    ResendMailer(EmailSettings settings, Clock clock) {
        this.clock = clock;
        this.http = new ResendHttpClient(settings.resendApiUrl(), Duration.ofMillis(settings.sendTimeoutMillis()));
        this.emails = new Emails(settings.resendApiKey().orElseThrow());
        this.from = settings.from().orElseThrow();
        install(emails, http);
    }

    private static void install(Emails emails, ResendHttpClient client) {
        try {
            Field f = BaseService.class.getDeclaredField("httpClient");
            f.setAccessible(true);
            f.set(emails, client);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("resend-java changed: cannot set its HTTP client (BaseService.httpClient)", e);
        }
    }

    Result send(UUID rowId, String to, Templates.Rendered email) {
        CreateEmailOptions options = CreateEmailOptions.builder()
                .from(from).to(to).subject(email.subject()).text(email.text()).html(email.html()).build();
        try {
            CreateEmailResponse r = emails.send(options,
                    RequestOptions.builder().setIdempotencyKey(rowId.toString()).build());
            return new Sent(r.getId());
        } catch (ResendException e) {
            return classify(e);
        } catch (ResendHttpClient.ResendUnreachableException e) {
            return new Retry("Resend unreachable: " + e.getMessage(), true, null);
        }
    }

    private Result classify(ResendException e) {
        int status = e.getStatusCode() == null ? 0 : e.getStatusCode();
        String reason = status + (e.getErrorName() == null ? "" : " " + e.getErrorName()) + ": " + e.getMessage();
        if (status == 429) {
            return new Retry(reason, false, retryAfter(http.lastRetryAfter(), clock.instant()));
        }
        if (status >= 500 || status == 0) {
            return new Retry(reason, true, retryAfter(http.lastRetryAfter(), clock.instant()));
        }
        if (status == 401 || status == 403 || status == 409) {
            // A wrong key or an unverified domain is the operator's to fix; 409: the same key is in flight.
            return new Retry(reason, false, null);
        }
        return new Refused(reason);
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return at.isBefore(now) ? Duration.ZERO : Duration.between(now, at);
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }
}
