-- Jobs: the system of record of every job. Redis only carries job ids to workers; losing Redis
-- loses no job. States and who moves a job between them: see com.levqor.jobs.JobState.

create table jobs (
    id               uuid        primary key,
    account_id       uuid        not null references accounts (id) on delete cascade,
    workflow         text        not null,
    payload          jsonb       not null,
    state            text        not null default 'queued',
    -- 0 low, 1 normal, 2 high
    priority         smallint    not null default 1,
    -- Monotonic: bumped by every claim, the fencing token of completions.
    attempt          integer     not null default 0,
    -- Attempts before this one do not count against max_attempts (DLQ retries, releases at shutdown).
    attempt_offset   integer     not null default 0,
    max_attempts     integer     not null,
    timeout_seconds  integer     not null,
    run_at           timestamptz not null,
    -- When the id was last handed to a queue (Redis or the in-process pool); null: never since due.
    dispatched_at    timestamptz,
    lease_owner      text,
    lease_expires_at timestamptz,
    idempotency_key  text,
    callback_url     text,
    cost             integer     not null,
    result           jsonb,
    last_error       text,
    created_at       timestamptz not null,
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz not null,
    -- Delivery of the final state to callback_url: pending, delivered, failed (gave up); null: none.
    callback_state   text,
    callback_attempts integer    not null default 0,
    callback_next_at timestamptz,
    callback_error   text,
    constraint jobs_state_known check (state in ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
    constraint jobs_priority_known check (priority between 0 and 2),
    constraint jobs_attempt_nonnegative check (attempt >= 0 and attempt_offset >= 0 and attempt_offset <= attempt),
    constraint jobs_max_attempts_range check (max_attempts between 1 and 100),
    constraint jobs_timeout_range check (timeout_seconds between 1 and 86400),
    constraint jobs_workflow_length check (char_length(workflow) between 1 and 100),
    constraint jobs_idempotency_key_length check (char_length(idempotency_key) between 1 and 255),
    constraint jobs_callback_state_known check (callback_state in ('pending', 'delivered', 'failed')),
    constraint jobs_running_has_lease check (state <> 'running' or lease_expires_at is not null)
);

-- The same idempotency key from the same account names one job.
create unique index jobs_idempotency on jobs (account_id, idempotency_key) where idempotency_key is not null;
-- An account's jobs, newest first (ids are time-ordered UUIDs); a status filter reads the same index.
-- Few indexes on purpose: every state change writes a new row version into each of them.
create index jobs_account_id on jobs (account_id, id desc);
-- The sweeper's and queue health's views, each small.
create index jobs_queued_run_at on jobs (run_at) where state = 'queued';
create index jobs_failed_run_at on jobs (run_at) where state = 'failed';
create index jobs_running_lease on jobs (lease_expires_at) where state = 'running';
create index jobs_dead on jobs (workflow, finished_at) where state = 'dead';
create index jobs_callback_pending on jobs (callback_next_at) where callback_state = 'pending';

-- Units spent per account and UTC day, against the plan's daily budget.
create table usage_daily (
    account_id uuid    not null references accounts (id) on delete cascade,
    day        date    not null,
    units      bigint  not null default 0,
    primary key (account_id, day),
    constraint usage_daily_units_nonnegative check (units >= 0)
);
