-- Incident communication and the public status page (issue 14).

-- An incident as the operator announces it. Its status moves only forward:
--   investigating -> identified -> monitoring -> resolved (steps may be skipped, never undone);
-- a resolved incident takes no more updates. The status page shows each listed component at least as
-- bad as the impact says while the incident is open.
create table incidents (
    id           uuid        primary key,
    title        text        not null,
    impact       text        not null,
    components   text[]      not null,
    status       text        not null,
    created_at   timestamptz not null,
    updated_at   timestamptz not null,
    resolved_at  timestamptz,
    constraint incidents_impact_known check (impact in ('minor', 'major', 'critical', 'maintenance')),
    constraint incidents_status_known check (status in ('investigating', 'identified', 'monitoring', 'resolved')),
    constraint incidents_title_length check (char_length(title) between 1 and 200),
    constraint incidents_components_known check (cardinality(components) between 1 and 5
        and components <@ array['api', 'database', 'queue', 'payments', 'email']::text[]),
    constraint incidents_resolved_has_time check ((status = 'resolved') = (resolved_at is not null)),
    constraint incidents_updated_after_created check (updated_at >= created_at)
);

create index incidents_open on incidents (created_at) where status <> 'resolved';
create index incidents_created on incidents (created_at desc);

-- Every update posted on an incident (the first one is written with the incident), with the text
-- as it was posted: the runbook's status-page format, rendered once.
create table incident_updates (
    id                   uuid        primary key,
    -- The order updates were posted in (two within one millisecond keep theirs).
    seq                  bigint      generated always as identity,
    incident_id          uuid        not null references incidents (id) on delete cascade,
    status               text        not null,
    message              text        not null,
    workaround           text,
    root_cause           text,
    fix                  text,
    next_update_minutes  integer,
    text                 text        not null,
    created_at           timestamptz not null,
    constraint incident_updates_status_known check (status in ('investigating', 'identified', 'monitoring', 'resolved')),
    constraint incident_updates_message_length check (char_length(message) between 1 and 5000),
    constraint incident_updates_next_update_range check (next_update_minutes between 1 and 1440)
);

create index incident_updates_incident on incident_updates (incident_id, seq);

-- Scheduled maintenance: shown ahead of time; its components are under_maintenance between
-- starts_at and ends_at; over by itself after ends_at. A cancelled one is no longer shown.
create table maintenances (
    id            uuid        primary key,
    title         text        not null,
    components    text[]      not null,
    message       text        not null,
    starts_at     timestamptz not null,
    ends_at       timestamptz not null,
    created_at    timestamptz not null,
    cancelled_at  timestamptz,
    constraint maintenances_title_length check (char_length(title) between 1 and 200),
    constraint maintenances_message_length check (char_length(message) between 1 and 5000),
    constraint maintenances_components_known check (cardinality(components) between 1 and 5
        and components <@ array['api', 'database', 'queue', 'payments', 'email']::text[]),
    constraint maintenances_window check (ends_at > starts_at)
);

create index maintenances_ends on maintenances (ends_at);

-- The health sampler's record: per component and UTC day, how many samples found it in each state.
-- Kept 90 days; the status page's uptime bars and percentages are computed from it.
create table status_daily (
    component             text    not null,
    day                   date    not null,
    samples               integer not null,
    operational           integer not null default 0,
    under_maintenance     integer not null default 0,
    degraded_performance  integer not null default 0,
    partial_outage        integer not null default 0,
    major_outage          integer not null default 0,
    primary key (component, day),
    constraint status_daily_component_known check (component in ('api', 'database', 'queue', 'payments', 'email')),
    constraint status_daily_counts_add_up check (samples = operational + under_maintenance
        + degraded_performance + partial_outage + major_outage)
);
