-- Editing a transcript: every change (a transcription, an edit, a restore) keeps the whole
-- transcript as it then was, so an older version can be brought back. One person's edits within
-- a few minutes share one entry. `transcripts.version` is what edits are checked against.
create table transcript_versions (
    id            uuid primary key,
    workspace_id  uuid not null references workspaces (id) on delete cascade,
    transcript_id uuid not null references transcripts (id) on delete cascade,
    -- The transcript's version this is a copy of.
    version       integer not null check (version >= 1),
    reason        text not null check (reason in ('transcribed', 'edited', 'restored')),
    author_id     uuid references users (id) on delete set null,
    word_count    integer not null check (word_count >= 0),
    -- [{"start_ms", "end_ms", "text", "speaker", "words": [[start, end, text], ...]}, ...]
    segments      jsonb not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    unique (transcript_id, version)
);
select manage_updated_at('transcript_versions');
create index transcript_versions_newest on transcript_versions (transcript_id, version desc);
alter table transcript_versions enable row level security;
alter table transcript_versions force row level security;
create policy transcript_versions_tenant on transcript_versions for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

-- The transcript's lines as a version keeps them (runs as the caller, so Row-Level Security
-- applies).
create function transcript_snapshot(transcript uuid) returns jsonb
language sql stable as $$
    select coalesce(jsonb_agg(jsonb_build_object(
               'start_ms', s.start_ms, 'end_ms', s.end_ms, 'text', s.text, 'speaker', sp.label,
               'words', coalesce((select jsonb_agg(jsonb_build_array(w.start_ms, w.end_ms, w.text) order by w.position)
                                  from transcript_words w where w.segment_id = s.id), '[]'::jsonb)
           ) order by s.position), '[]'::jsonb)
    from transcript_segments s left join transcript_speakers sp on sp.id = s.speaker_id
    where s.transcript_id = transcript
$$;
