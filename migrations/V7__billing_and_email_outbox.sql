-- Payments and email (issue 12): each account's Stripe subscription, and the email outbox.

-- The Stripe side of an account. billing_state_at is Stripe's time (the event's `created`, or the
-- moment a sync read the subscription) of the state last applied: an older event never overwrites it.
alter table accounts
    add column stripe_customer_id     text,
    add column stripe_subscription_id text,
    add column subscription_status    text,
    add column current_period_end     timestamptz,
    add column cancel_at_period_end   boolean not null default false,
    add column billing_state_at       timestamptz,
    add constraint accounts_stripe_customer_length check (char_length(stripe_customer_id) <= 255),
    add constraint accounts_stripe_subscription_length check (char_length(stripe_subscription_id) <= 255),
    add constraint accounts_subscription_status_length check (char_length(subscription_status) <= 64);

create unique index accounts_stripe_customer on accounts (stripe_customer_id) where stripe_customer_id is not null;
create index accounts_stripe_subscription on accounts (stripe_subscription_id) where stripe_subscription_id is not null;

-- An unverified event that Stripe's API did not confirm is stored as 'unconfirmed', with no effect.
alter table webhook_events drop constraint webhook_events_outcome_known;
alter table webhook_events add constraint webhook_events_outcome_known
    check (outcome in ('processed', 'ignored', 'unhandled', 'unconfirmed'));

-- Every email Levqor sends, written in the same transaction as the change that causes it and
-- delivered by the sender (com.levqor.email.EmailSender) with the row id as Resend's Idempotency-Key.
--   queued -> sent (Resend accepted it) | failed (Resend refused it for good, or attempts ran out)
--   failed -> queued (POST /ops/emails/retry, levqor emails retry)
create table email_outbox (
    id               uuid        primary key,
    -- The order emails go out in: ids are time-ordered only to the millisecond, so emails queued
    -- within one millisecond need this to keep their order.
    seq              bigint      generated always as identity,
    template         text        not null,
    recipient        text        not null,
    model            jsonb       not null,
    -- Unique when set: "once per account per incident", "once per invoice".
    dedupe_key       text,
    status           text        not null default 'queued',
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null,
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    sent_at          timestamptz,
    provider_id      text,
    last_error       text,
    constraint email_outbox_status_known check (status in ('queued', 'sent', 'failed')),
    constraint email_outbox_template_length check (char_length(template) between 1 and 100),
    constraint email_outbox_recipient_shape check (recipient ~ '^[^@[:space:]]+@[^@[:space:]]+$'
        and char_length(recipient) <= 320),
    constraint email_outbox_dedupe_length check (char_length(dedupe_key) between 1 and 255),
    constraint email_outbox_attempts_nonnegative check (attempts >= 0),
    constraint email_outbox_sent_has_time check (status <> 'sent' or sent_at is not null)
);

create unique index email_outbox_dedupe on email_outbox (dedupe_key) where dedupe_key is not null;
-- The sender's view: queued rows oldest first.
create index email_outbox_queued on email_outbox (seq) where status = 'queued';
create index email_outbox_failed on email_outbox (seq) where status = 'failed';
create index email_outbox_seq on email_outbox (seq desc);
