package com.levqor.email;

import com.levqor.api.ApiException;
import com.levqor.api.QueryParams;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code GET /ops/emails} and {@code POST /ops/emails/retry} (admin): the outbox for the operator. */
public final class EmailHandlers {
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1_000;
    private final EmailDelivery email;

    public EmailHandlers(EmailDelivery email) {
        this.email = email;
    }

    /** {@code GET /ops/emails[?status=queued|sent|failed][&limit=N]}: newest first, with the outbox counts. */
    public void list(Context ctx) {
        String status = ctx.queryParam("status");
        if (status != null && !List.of(Outbox.QUEUED, Outbox.SENT, Outbox.FAILED).contains(status)) {
            throw ApiException.invalid("Query parameter 'status' must be queued, sent or failed.",
                    Map.of("status", "must be queued, sent or failed"));
        }
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        List<Map<String, Object>> emails = email.outbox().list(Optional.ofNullable(status), limit).stream()
                .map(EmailHandlers::view).toList();
        Outbox.Counts c = email.counts();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("emails", emails);
        body.put("count", emails.size());
        body.put("queued", c.queued());
        body.put("failed", c.failed());
        body.put("oldest_queued_age_seconds", c.oldestQueuedAgeSeconds());
        body.put("sending", email.settings().configured());
        ctx.json(body);
    }

    /** {@code POST /ops/emails/retry}: re-queues every failed email, {@code {"retried":N}}. */
    public void retry(Context ctx) {
        int n = email.outbox().retryFailed();
        if (n > 0) {
            email.wake();
        }
        ctx.json(Map.of("retried", n));
    }

    static Map<String, Object> view(OutboxEmail e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("template", e.template());
        m.put("to", e.recipient());
        m.put("status", e.status());
        m.put("attempts", e.attempts());
        m.put("created_at", e.createdAt());
        m.put("next_attempt_at", Outbox.QUEUED.equals(e.status()) ? e.nextAttemptAt() : null);
        m.put("sent_at", e.sentAt());
        m.put("last_error", e.lastError());
        m.put("provider_id", e.providerId());
        m.put("dedupe_key", e.dedupeKey());
        return m;
    }
}
