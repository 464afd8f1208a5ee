-- A transcript or summary spoken aloud (espeak-ng on this server, or ElevenLabs) and stored as a
-- recording of its own: playable, downloadable, transcribed like an upload. This row says what it
-- was made from, by which voice, and holds the text that was spoken.
create table spoken_versions (
    recording_id uuid primary key references recordings (id) on delete cascade,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    source_id    uuid references recordings (id) on delete set null,
    spoken       text not null check (spoken in ('transcript', 'summary')),
    engine       text not null check (engine in ('local', 'elevenlabs')),
    voice        text not null check (length(voice) between 1 and 100),
    voice_name   text not null check (length(voice_name) between 1 and 200),
    text         text not null,
    characters   integer not null check (characters > 0),
    created_by   uuid references users (id) on delete set null,
    created_at   timestamptz not null default now()
);
create index spoken_versions_by_source on spoken_versions (source_id);
alter table spoken_versions enable row level security;
alter table spoken_versions force row level security;
create policy spoken_versions_tenant on spoken_versions for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());
