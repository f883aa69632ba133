-- Backups (issue 13): every backup and restore drill, scheduled or run by hand, is one row.
-- A scheduled run records its cron occurrence (scheduled_for) before it starts, under a Postgres
-- advisory lock: with several instances, and across restarts, each occurrence runs once.

create table backups (
    id                bigint      generated always as identity primary key,
    -- backup: pg_dump of the database; drill: restore-verify of a backup into a scratch database.
    kind              text        not null,
    -- schedule (BACKUP_CRON / RESTORE_DRILL_CRON), catch_up (a backup missed while no instance was
    -- up, run at the next start), cli (levqor backup / levqor restore-verify).
    triggered_by      text        not null,
    -- The cron occurrence this run is for; null for runs from the command line.
    scheduled_for     timestamptz,
    -- host:pid of the process that ran it.
    instance          text        not null,
    -- running until it ends (a row left running by a process that died is failed by the next run).
    outcome           text        not null default 'running',
    -- backup: the file written; drill: the file verified (names only, in that instance's BACKUP_DIR).
    file              text,
    size_bytes        bigint,
    table_count       integer,
    row_count         bigint,
    -- Rows per table ({"public.jobs": 12, …}): of the snapshot (backup) or of the restored copy (drill).
    counts            jsonb,
    -- drill: share of the checked items that matched (1 = 100%); RTO: restore plus verification.
    parity            double precision,
    rto_seconds       double precision,
    error             text,
    started_at        timestamptz not null,
    finished_at       timestamptz,
    duration_seconds  double precision,
    constraint backups_kind_known check (kind in ('backup', 'drill')),
    constraint backups_triggered_by_known check (triggered_by in ('schedule', 'catch_up', 'cli')),
    constraint backups_outcome_known check (outcome in ('running', 'ok', 'failed')),
    constraint backups_scheduled_has_occurrence check ((triggered_by = 'cli') = (scheduled_for is null)),
    constraint backups_parity_ratio check (parity is null or parity between 0 and 1),
    constraint backups_finished_after_started check (finished_at is null or finished_at >= started_at),
    -- Each cron occurrence of each kind runs once (NULLs, the command line's runs, never collide).
    constraint backups_occurrence_once unique (kind, scheduled_for)
);

-- GET /ops/backups (newest first) and the newest good backup of the staleness check.
create index backups_kind_started on backups (kind, started_at desc);
