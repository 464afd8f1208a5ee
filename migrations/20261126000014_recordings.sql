-- Recordings and their uploads. Every byte lives in object storage under a key the server makes
-- (`w/{workspace}/recordings/{recording}/original`, `trash/…` once deleted); these tables hold
-- what is known about it. All of it is workspace data under forced Row-Level Security.

create table recordings (
    id           uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    title        text not null check (length(title) between 1 and 200),
    -- As the browser named it; shown and offered on download, never used as a path.
    file_name    text not null check (length(file_name) between 1 and 255),
    status       text not null check (status in ('uploading', 'checking', 'ready', 'rejected')),
    -- Why a file was refused, in words for its uploader.
    rejection    text,
    size_bytes   bigint not null check (size_bytes > 0),
    object_key   text not null unique,
    -- What the content turned out to be (not what its name or the browser said).
    format       text,
    content_type text,
    codec        text,
    duration_ms  bigint check (duration_ms >= 0),
    sample_rate  integer,
    channels     integer,
    created_by   uuid references users (id) on delete set null,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    -- In the trash since; restorable until purge_after.
    deleted_at   timestamptz,
    purge_after  timestamptz,
    check ((deleted_at is null) = (purge_after is null))
);
select manage_updated_at('recordings');
create index recordings_library on recordings (workspace_id, created_at desc) where deleted_at is null;
create index recordings_trash on recordings (workspace_id, deleted_at desc) where deleted_at is not null;
create index recordings_purge on recordings (purge_after) where deleted_at is not null;

-- A multipart upload in progress: the storage backend's id for it and how the file is cut.
create table uploads (
    recording_id      uuid primary key references recordings (id) on delete cascade,
    workspace_id      uuid not null references workspaces (id) on delete cascade,
    backend_upload_id text not null,
    part_size         bigint not null check (part_size > 0),
    part_count        integer not null check (part_count between 1 and 10000),
    -- The browser's lastModified for the file, so a reloaded page can match the same file again.
    file_modified_ms  bigint,
    created_at        timestamptz not null default now()
);
create index uploads_by_age on uploads (created_at);

-- Parts that reached storage, with the ETag the store answered (needed to complete).
create table upload_parts (
    recording_id uuid not null references uploads (recording_id) on delete cascade,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    part_number  integer not null check (part_number between 1 and 10000),
    etag         text not null check (length(etag) between 1 and 200),
    size_bytes   bigint not null check (size_bytes > 0),
    created_at   timestamptz not null default now(),
    primary key (recording_id, part_number)
);

-- Bytes and objects each workspace keeps, maintained on every write and delete and reconciled
-- against a listing of the store.
create table workspace_storage (
    workspace_id  uuid primary key references workspaces (id) on delete cascade,
    bytes         bigint not null default 0 check (bytes >= 0),
    objects       bigint not null default 0 check (objects >= 0),
    reconciled_at timestamptz,
    updated_at    timestamptz not null default now()
);

-- The metering ledger: append-only, one row per event, each with an idempotency key so a retried
-- job never counts twice. Totals are derived from it.
create table usage_events (
    id              bigint generated always as identity primary key,
    workspace_id    uuid not null references workspaces (id) on delete cascade,
    kind            text not null check (kind ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
    quantity        bigint not null,
    unit            text not null check (unit in ('bytes', 'objects', 'seconds', 'tokens', 'characters', 'count')),
    idempotency_key text not null,
    metadata        jsonb not null default '{}',
    occurred_at     timestamptz not null default now(),
    unique (workspace_id, idempotency_key)
);
create index usage_events_by_kind on usage_events (workspace_id, kind, occurred_at);

alter table recordings enable row level security;
alter table recordings force row level security;
create policy recordings_tenant on recordings for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table uploads enable row level security;
alter table uploads force row level security;
create policy uploads_tenant on uploads for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table upload_parts enable row level security;
alter table upload_parts force row level security;
create policy upload_parts_tenant on upload_parts for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table workspace_storage enable row level security;
alter table workspace_storage force row level security;
create policy workspace_storage_tenant on workspace_storage for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table usage_events enable row level security;
alter table usage_events force row level security;
create policy usage_events_read on usage_events for select using (workspace_id = app_workspace_id());
create policy usage_events_add on usage_events for insert with check (workspace_id = app_workspace_id());
revoke update, delete, truncate on usage_events from audiotricks_app;

-- Scheduled housekeeping (retention, emptying the trash) finds its work across workspaces: a
-- transaction marked through `workspaces::tenant::for_housekeeping` may read recordings and
-- workspaces, and change them only after entering each one's own context.
create function app_housekeeping() returns boolean
language sql stable as $$ select coalesce(current_setting('app.housekeeping', true), '') = 'on' $$;
create policy recordings_housekeeping_read on recordings for select using (app_housekeeping());
create policy workspaces_housekeeping_read on workspaces for select using (app_housekeeping());
