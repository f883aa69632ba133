-- Edge guards (issue 4): abuse blocks and the webhook event log.

-- An IP blocked by the abuse guards after repeated failed authentication. Shared by every instance
-- through this table; a block is in force while now() < until_at and lifted_at is null.
create table abuse_blocks (
    id          uuid        primary key,
    ip          text        not null,
    reason      text        not null,
    hits        integer     not null,
    level       integer     not null default 1,
    since_at    timestamptz not null,
    until_at    timestamptz not null,
    lifted_at   timestamptz,
    constraint abuse_blocks_reason_known check (reason in ('failed_auth')),
    constraint abuse_blocks_ip_length check (char_length(ip) <= 64),
    constraint abuse_blocks_hits_positive check (hits > 0),
    constraint abuse_blocks_level_positive check (level > 0),
    constraint abuse_blocks_until_after_since check (until_at > since_at),
    constraint abuse_blocks_lifted_after_since check (lifted_at is null or lifted_at >= since_at)
);

create index abuse_blocks_ip_until on abuse_blocks (ip, until_at desc);
create index abuse_blocks_since on abuse_blocks (since_at desc);

-- Every webhook event received, stored once by its provider's id. The row is written in the same
-- transaction as the event's effects, so a replay finds it and is acknowledged without effects.
create table webhook_events (
    id                 uuid        primary key,
    provider           text        not null,
    provider_event_id  text        not null,
    type               text        not null,
    verified           boolean     not null,
    outcome            text        not null,
    received_at        timestamptz not null,
    payload            jsonb       not null,
    constraint webhook_events_provider_known check (provider in ('stripe', 'slack')),
    constraint webhook_events_once unique (provider, provider_event_id),
    constraint webhook_events_outcome_known check (outcome in ('processed', 'ignored', 'unhandled')),
    constraint webhook_events_id_length check (char_length(provider_event_id) <= 255),
    constraint webhook_events_type_length check (char_length(type) <= 255)
);

create index webhook_events_received on webhook_events (received_at desc);
