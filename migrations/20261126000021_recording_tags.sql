-- Tags on recordings, for the library's filters: lower case, 1 to 32 characters.
create table recording_tags (
    workspace_id uuid not null references workspaces (id) on delete cascade,
    recording_id uuid not null references recordings (id) on delete cascade,
    tag          text not null check (length(tag) between 1 and 32 and tag = lower(tag)),
    created_at   timestamptz not null default now(),
    primary key (recording_id, tag)
);
create index recording_tags_by_tag on recording_tags (workspace_id, tag);
alter table recording_tags enable row level security;
alter table recording_tags force row level security;
create policy recording_tags_tenant on recording_tags for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());
