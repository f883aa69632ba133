package com.levqor.email;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An email to queue with {@link Outbox#queue}: which template, to whom, the template's model, and
 * an optional dedupe key. A key is unique across the outbox: a second email with the same key is
 * not queued (e.g. {@code incident:<id>:<account>} for "once per account per incident",
 * {@code invoice_paid:<invoice id>} for "one confirmation per invoice").
 *
 * @param template  one of {@link Templates#NAMES} (files under {@code src/main/resources/email/})
 * @param to        the recipient address
 * @param model     the template's values: strings, numbers, booleans, lists and maps (stored as JSON)
 * @param dedupeKey at most 255 characters, or empty
 */
public record Email(String template, String to, Map<String, ?> model, Optional<String> dedupeKey) {
    public Email {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(to, "to");
        model = model == null ? Map.of() : model;
        dedupeKey = dedupeKey == null ? Optional.empty() : dedupeKey;
    }

    /** An email without a dedupe key. */
    public static Email of(String template, String to, Map<String, ?> model) {
        return new Email(template, to, model, Optional.empty());
    }

    /** The same email, queued at most once for this key. */
    public Email dedupedBy(String key) {
        return new Email(template, to, model, Optional.of(key));
    }
}
