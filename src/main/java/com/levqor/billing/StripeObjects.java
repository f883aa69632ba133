package com.levqor.billing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

/**
 * Reading the fields Levqor uses from Stripe's JSON, across API versions: since 2025-03 a
 * subscription's period is on its items and an invoice's subscription under
 * {@code parent.subscription_details}.
 */
final class StripeObjects {
    /** Currencies Stripe counts in whole units (no cents). */
    private static final Set<String> ZERO_DECIMAL = Set.of("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
            "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf");

    private StripeObjects() {
    }

    /** A string field, or null when absent, null or not a string (an expanded object gives its id). */
    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (v.isTextual() && !v.textValue().isBlank()) {
            return v.textValue();
        }
        if (v.isObject() && v.path("id").isTextual()) {
            return v.path("id").textValue();
        }
        return null;
    }

    static Instant epoch(JsonNode v) {
        return v != null && v.canConvertToLong() && v.asLong() > 0 ? Instant.ofEpochSecond(v.asLong()) : null;
    }

    static Instant currentPeriodEnd(JsonNode subscription) {
        Instant top = epoch(subscription.get("current_period_end"));
        if (top != null) {
            return top;
        }
        return epoch(subscription.path("items").path("data").path(0).get("current_period_end"));
    }

    static String invoiceSubscription(JsonNode invoice) {
        String old = text(invoice, "subscription");
        return old != null ? old : text(invoice.path("parent").path("subscription_details"), "subscription");
    }

    /** The invoice's service period: its first line's, else the invoice's own. */
    static Instant[] invoicePeriod(JsonNode invoice) {
        JsonNode line = invoice.path("lines").path("data").path(0).path("period");
        Instant start = epoch(line.get("start"));
        Instant end = epoch(line.get("end"));
        if (start == null || end == null) {
            start = epoch(invoice.get("period_start"));
            end = epoch(invoice.get("period_end"));
        }
        return new Instant[] {start, end};
    }

    /** An amount in the currency's smallest unit, as people read it: {@code 19.00 USD}. */
    static String money(long minorUnits, String currency) {
        String cur = currency == null ? "" : currency.toLowerCase(Locale.ROOT);
        String amount = ZERO_DECIMAL.contains(cur) ? Long.toString(minorUnits)
                : String.format(Locale.ROOT, "%d.%02d", minorUnits / 100, Math.abs(minorUnits % 100));
        return cur.isEmpty() ? amount : amount + " " + cur.toUpperCase(Locale.ROOT);
    }
}
