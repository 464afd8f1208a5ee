-- Platform foundations: extensions, the updated_at trigger, the app role's privileges,
-- and the durable job queue.

-- Created by the superuser during setup where the migrating role may not (pgvector is not a
-- trusted extension); `if not exists` makes this a no-op there.
create extension if not exists vector;
create extension if not exists pg_trgm;

-- The server connects as audiotricks_app: not the owner of any table and without BYPASSRLS, so
-- Row-Level Security always applies to it. Operators create it before the first migration.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'audiotricks_app') then
        raise exception 'role audiotricks_app does not exist: create it (login, nobypassrls) before migrating; see README, Operations';
    end if;
end $$;

grant usage on schema public to audiotricks_app;
alter default privileges in schema public grant select, insert, update, delete on tables to audiotricks_app;
alter default privileges in schema public grant usage, select on sequences to audiotricks_app;
alter default privileges in schema public grant execute on functions to audiotricks_app;
grant select on _sqlx_migrations to audiotricks_app;

create function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end $$;

-- `select manage_updated_at('table')` keeps that table's updated_at column current.
create function manage_updated_at(target regclass) returns void
language plpgsql as $$
begin
    execute format(
        'create trigger set_updated_at before update on %s for each row execute function set_updated_at()',
        target
    );
end $$;

create type job_state as enum ('queued', 'running', 'succeeded', 'cancelled', 'dead');

create table jobs (
    id               uuid primary key,
    queue            text not null check (queue ~ '^[a-z][a-z0-9_]{0,62}$'),
    kind             text not null check (length(kind) between 1 and 100),
    payload          jsonb not null default '{}',
    state            job_state not null default 'queued',
    priority         smallint not null default 0,
    attempts         integer not null default 0 check (attempts >= 0),
    max_attempts     integer not null default 5 check (max_attempts between 1 and 100),
    run_at           timestamptz not null default now(),
    idempotency_key  text check (length(idempotency_key) <= 200),
    -- The worker process holding the job, and this claim's own id: every write of a running job
    -- names its lease, so a run whose lease expired can never overwrite the run that replaced it.
    locked_by        uuid,
    lease            uuid,
    heartbeat_at     timestamptz,
    cancel_requested boolean not null default false,
    progress         smallint not null default 0 check (progress between 0 and 100),
    progress_message text not null default '' check (length(progress_message) <= 500),
    last_error       text,
    started_at       timestamptz,
    finished_at      timestamptz,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);
select manage_updated_at('jobs');

-- Enqueueing the same logical job twice yields the first one.
create unique index jobs_idempotency_key on jobs (kind, idempotency_key) where idempotency_key is not null;
-- The claim query: due queued jobs of a queue, most urgent first.
create index jobs_claimable on jobs (queue, priority desc, run_at, id) where state = 'queued';
-- Lease expiry sweep over running jobs.
create index jobs_running_heartbeat on jobs (heartbeat_at) where state = 'running';
-- Dead jobs are what operators look at (metrics, status).
create index jobs_dead on jobs (queue) where state = 'dead';
-- Pruning of finished jobs.
create index jobs_finished_at on jobs (finished_at) where finished_at is not null;

-- Wakes idle workers as soon as a job commits (delivered at commit, so rolled-back
-- enqueues wake nobody).
create function notify_job_queued() returns trigger
language plpgsql as $$
begin
    perform pg_notify('jobs_queued', new.queue);
    return null;
end $$;
create trigger jobs_notify after insert or update of state, run_at on jobs
    for each row when (new.state = 'queued') execute function notify_job_queued();

-- Recurring jobs: one row per schedule; the scheduler enqueues a job each time next_run_at passes.
create table job_schedules (
    name        text primary key check (length(name) between 1 and 100),
    cron        text not null,
    queue       text not null,
    kind        text not null,
    payload     jsonb not null default '{}',
    max_attempts integer not null default 3 check (max_attempts between 1 and 100),
    next_run_at timestamptz not null,
    last_run_at timestamptz,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
select manage_updated_at('job_schedules');

-- Each worker process says it is alive; the status page and /readyz show them.
create table worker_heartbeats (
    worker_id  uuid primary key,
    hostname   text not null,
    pid        integer not null,
    queues     text[] not null,
    started_at timestamptz not null default now(),
    seen_at    timestamptz not null default now()
);
