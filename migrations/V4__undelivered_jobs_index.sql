-- Queued jobs never handed to a queue (due retries, delayed jobs coming due, jobs written while no
-- worker could take them): the sweeper dispatches them every sweep, so it must find them without
-- reading a backlog of queued jobs that are already waiting in Redis. Rows leave the index once
-- dispatched, so it stays small.
create index jobs_undelivered on jobs (priority desc, run_at) where state = 'queued' and dispatched_at is null;
