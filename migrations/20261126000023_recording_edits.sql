-- Edited versions of recordings: passages cut out of a recording's audio and rendered as a new
-- recording (status 'rendering' until its audio is written), with the transcript moved to the
-- new timeline. The source is never changed, so every version stays playable. `original_id` is
-- the first recording of the family, so all versions list together.
alter table recordings drop constraint recordings_status_check;
alter table recordings add constraint recordings_status_check
    check (status in ('uploading', 'checking', 'ready', 'rejected', 'imported', 'rendering'));

create table recording_edits (
    recording_id uuid primary key references recordings (id) on delete cascade,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    source_id    uuid references recordings (id) on delete set null,
    original_id  uuid references recordings (id) on delete set null,
    version      integer not null check (version >= 2),
    -- [{"start_ms": …, "end_ms": …}], sorted and merged, on the source's timeline.
    cuts         jsonb not null,
    removed_ms   bigint not null check (removed_ms > 0),
    created_by   uuid references users (id) on delete set null,
    created_at   timestamptz not null default now()
);
create index recording_edits_by_original on recording_edits (original_id);
alter table recording_edits enable row level security;
alter table recording_edits force row level security;
create policy recording_edits_tenant on recording_edits for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

-- A version being rendered (or whose rendering failed) has no audio yet.
alter table recordings drop constraint recordings_size_bytes_check;
alter table recordings add constraint recordings_size_bytes_check
    check (size_bytes > 0 or status in ('rendering', 'rejected'));
