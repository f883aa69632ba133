package com.levqor.webhooks;

import java.time.Instant;
import java.util.UUID;

/**
 * One stored webhook event.
 *
 * @param source  {@code stripe} or {@code slack}
 * @param eventId the provider's id (Stripe {@code evt_…}, Slack {@code event_id} or {@code trigger_id})
 * @param outcome {@code processed} (effects applied), {@code ignored} (handled type, nothing to do),
 *                {@code unhandled} (type not handled yet: stored and acknowledged), {@code unconfirmed}
 *                (unverified, and the provider's API did not confirm it: no effect)
 */
public record WebhookEvent(UUID id, String source, String eventId, String type, boolean verified, String outcome,
                           Instant receivedAt) {
}
