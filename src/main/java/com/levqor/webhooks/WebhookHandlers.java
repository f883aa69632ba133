package com.levqor.webhooks;

import com.levqor.crypto.Digests;
import com.levqor.api.QueryParams;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.config.EdgeSettings;
import com.levqor.api.ApiException;
import com.levqor.ops.EdgeMetrics;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/stripe}, {@code POST /webhooks/slack} and {@code GET /ops/webhooks}.
 * Signatures are checked on the raw body bytes. With {@code WEBHOOK_VERIFY_ALL=true} a missing,
 * malformed, stale or wrong signature, or an unconfigured secret, is 401; with {@code false} the
 * event is accepted, stored with {@code verified=false}, counted and logged, and a Stripe event is
 * applied only once Stripe's API confirms it by id ({@code unconfirmed} otherwise). A 200 means the
 * event is stored (with its effects, in one transaction); a replay is 200 and not processed again.
 */
public final class WebhookHandlers {
    private static final Logger log = LoggerFactory.getLogger(WebhookHandlers.class);
    public static final String STRIPE = "stripe";
    public static final String SLACK = "slack";
    /** Longest provider event id and type accepted (the columns' limits). */
    private static final int MAX_ID_LENGTH = 255;
    private static final int DEFAULT_LIST_LIMIT = 50;
    private static final int MAX_LIST_LIMIT = 500;

    private final boolean verifyAll;
    private final EdgeSettings settings;
    private final WebhookEvents events;
    private final StripeEvents stripeEvents;
    private final SlackStatus slackStatus;
    private final EdgeMetrics metrics;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Runnable onPlanChange;

    /** @param onPlanChange run after a Stripe event changed an account's plan (forget cached plans) */
    public WebhookHandlers(boolean verifyAll, EdgeSettings settings, WebhookEvents events, StripeEvents stripeEvents,
                           SlackStatus slackStatus, EdgeMetrics metrics, ObjectMapper mapper, Clock clock,
                           Runnable onPlanChange) {
        this.verifyAll = verifyAll;
        this.settings = settings;
        this.events = events;
        this.stripeEvents = stripeEvents;
        this.slackStatus = slackStatus;
        this.metrics = metrics;
        this.mapper = mapper;
        this.clock = clock;
        this.onPlanChange = onPlanChange;
    }

    /** {@code POST /webhooks/stripe}: a Stripe event, signed with {@code Stripe-Signature}. */
    public void stripe(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        Verification.Outcome v = StripeSignature.verify(ctx.header("Stripe-Signature"), body,
                settings.stripeWebhookSecret(), clock.instant(), settings.webhookToleranceSeconds());
        check(ctx, STRIPE, v);
        JsonNode event = parseJson(body, "Stripe event");
        String id = requiredText(event, "id", "Stripe event");
        requiredText(event, "type", "Stripe event");
        // Unverified (WEBHOOK_VERIFY_ALL=false): only Stripe's own copy of the event is applied, never the body.
        Optional<JsonNode> applied = v.verified() ? Optional.of(event) : stripeEvents.readBack(id);
        String type = truncate(applied.orElse(event).path("type").asText(""));
        WebhookEvents.Stored stored = events.recordOnce(STRIPE, id, type, v.verified(), new String(body,
                StandardCharsets.UTF_8), t -> applied.map(e -> stripeEvents.apply(t, e)).orElse(WebhookEvents.UNCONFIRMED));
        stripeEvents.stored(type, stored.event().outcome(), stored.duplicate());
        if (!stored.duplicate() && WebhookEvents.PROCESSED.equals(stored.event().outcome())) {
            onPlanChange.run();
        }
        ctx.json(ack(stored));
    }

    /**
     * {@code POST /webhooks/slack}: Slack's {@code url_verification} challenge, Events API callbacks
     * (stored once by {@code event_id}) and the {@code /levqor status} slash command (stored once by
     * {@code trigger_id}), answered in Slack's message format.
     */
    public void slack(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        Verification.Outcome v = SlackSignature.verify(ctx.header("X-Slack-Request-Timestamp"),
                ctx.header("X-Slack-Signature"), body, settings.slackSigningSecret(), clock.instant(),
                settings.webhookToleranceSeconds());
        check(ctx, SLACK, v);
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            slashCommand(ctx, body, v.verified());
            return;
        }
        JsonNode payload = parseJson(body, "Slack event");
        String kind = requiredText(payload, "type", "Slack event");
        if (kind.equals("url_verification")) {
            String challenge = requiredText(payload, "challenge", "Slack url_verification");
            ctx.json(Map.of("challenge", challenge));
            return;
        }
        String eventId = requiredText(payload, "event_id", "Slack event");
        String eventType = payload.path("event").path("type").asText(kind);
        WebhookEvents.Stored stored = events.recordOnce(SLACK, eventId, truncate(eventType), v.verified(),
                new String(body, StandardCharsets.UTF_8), t -> WebhookEvents.IGNORED);
        ctx.json(ack(stored));
    }

    private void slashCommand(Context ctx, byte[] body, boolean verified) {
        Map<String, String> form = parseForm(new String(body, StandardCharsets.UTF_8));
        if ("1".equals(form.get("ssl_check"))) {
            ctx.status(200); // Slack checking the certificate of a slash command URL: nothing to store
            return;
        }
        String command = form.getOrDefault("command", "");
        String text = form.getOrDefault("text", "").trim().toLowerCase(Locale.ROOT);
        if (command.isEmpty()) {
            throw ApiException.badRequest("invalid_event", "The Slack slash command has no 'command' field.");
        }
        String triggerId = form.getOrDefault("trigger_id", "");
        String eventId = triggerId.isEmpty() || triggerId.length() > MAX_ID_LENGTH ? "sha256:" + Digests.sha256Hex(body)
                : triggerId;
        String payload;
        try {
            payload = mapper.writeValueAsString(form);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        events.recordOnce(SLACK, eventId, truncate("slash_command " + command + " " + text).trim(), verified,
                payload, t -> WebhookEvents.PROCESSED);
        if (!command.equals("/levqor")) {
            ctx.json(slackStatus.message("Unknown command `" + command + "`: this app answers `/levqor status`."));
        } else if (text.isEmpty() || text.equals("status")) {
            ctx.json(slackStatus.status());
        } else {
            ctx.json(slackStatus.message("Usage: `/levqor status` shows the service and queue health."));
        }
    }

    /** {@code GET /ops/webhooks?source=stripe|slack&limit=}: recent events, newest first (admin). */
    public void list(Context ctx) {
        String source = ctx.queryParam("source");
        if (source != null && !source.equals(STRIPE) && !source.equals(SLACK)) {
            throw ApiException.invalid("Query parameter 'source' must be stripe or slack.",
                    Map.of("source", "must be stripe or slack"));
        }
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
        List<Map<String, Object>> out = events.recent(Optional.ofNullable(source), limit).stream()
                .map(WebhookHandlers::view).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", out);
        body.put("count", out.size());
        ctx.json(body);
    }

    private void check(Context ctx, String source, Verification.Outcome v) {
        metrics.webhookVerification(source, v.result().result());
        if (v.verified()) {
            return;
        }
        if (verifyAll) {
            log.warn("Refused {} webhook (request {}): {}", source, ctx.attribute("levqor.request_id"), v.message());
            throw new ApiException(401, v.result().code(), v.message());
        }
        log.warn("Accepting UNVERIFIED {} webhook because WEBHOOK_VERIFY_ALL=false: {}", source, v.message());
    }

    private JsonNode parseJson(byte[] body, String what) {
        if (body.length == 0) {
            throw ApiException.badRequest("invalid_event", "The " + what + " body is empty.");
        }
        try {
            JsonNode n = mapper.readTree(body);
            if (new String(body, StandardCharsets.UTF_8).contains("\\u0000")) {
                // Postgres jsonb cannot store NUL characters: refuse the event rather than fail on it.
                throw ApiException.badRequest("invalid_event", "The " + what + " contains a NUL character (\\u0000).");
            }
            if (n == null || !n.isObject()) {
                throw ApiException.badRequest("invalid_event", "The " + what + " must be a JSON object.");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed_json", "The " + what + " is not valid JSON: "
                    + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("malformed_json", "The " + what + " could not be read as JSON.");
        }
    }

    private static String requiredText(JsonNode node, String field, String what) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.textValue().isBlank()) {
            throw ApiException.invalid("The " + what + " has no '" + field + "' string.",
                    Map.of(field, "is required and must be a string"));
        }
        if (v.textValue().length() > MAX_ID_LENGTH) {
            throw ApiException.invalid("The " + what + "'s '" + field + "' is longer than " + MAX_ID_LENGTH + ".",
                    Map.of(field, "must be at most " + MAX_ID_LENGTH + " characters"));
        }
        return v.textValue();
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String val = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                form.putIfAbsent(k, val);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_event", "The Slack form body is not valid URL encoding.");
            }
        }
        return form;
    }

    private static String truncate(String s) {
        return s.length() > MAX_ID_LENGTH ? s.substring(0, MAX_ID_LENGTH) : s;
    }


    private static Map<String, Object> ack(WebhookEvents.Stored stored) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("received", true);
        m.put("event_id", stored.event().eventId());
        m.put("duplicate", stored.duplicate());
        m.put("verified", stored.event().verified());
        m.put("outcome", stored.event().outcome());
        return m;
    }

    private static Map<String, Object> view(WebhookEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("source", e.source());
        m.put("event_id", e.eventId());
        m.put("type", e.type());
        m.put("verified", e.verified());
        m.put("outcome", e.outcome());
        m.put("received_at", e.receivedAt());
        return m;
    }
}
