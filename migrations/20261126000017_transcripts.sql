-- Transcripts and the transcription of each recording. All of it is workspace data under forced
-- Row-Level Security.

-- Where a recording's transcription stands; the page shows it live.
create table transcriptions (
    recording_id uuid primary key references recordings (id) on delete cascade,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    stage        text not null default 'queued'
                 check (stage in ('queued', 'preparing', 'transcribing', 'summarising', 'done', 'failed', 'cancelled')),
    -- 0 to 100 within the stage.
    percent      smallint not null default 0 check (percent between 0 and 100),
    -- Why it failed, in words for the people who uploaded it.
    error        text,
    -- "local:tiny.en", "openai:whisper-1".
    engine       text,
    job_id       bigint,
    started_at   timestamptz,
    finished_at  timestamptz,
    updated_at   timestamptz not null default now()
);
select manage_updated_at('transcriptions');

-- The transcript of a recording. `version` counts edits (their history comes with editing).
create table transcripts (
    id           uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    recording_id uuid not null unique references recordings (id) on delete cascade,
    version      integer not null default 1 check (version >= 1),
    language     text,
    engine       text not null,
    text         text not null default '',
    search       tsvector generated always as (to_tsvector('simple', text)) stored,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);
select manage_updated_at('transcripts');
create index transcripts_search on transcripts using gin (search);
create index transcripts_by_workspace on transcripts (workspace_id, created_at desc);

create table transcript_speakers (
    id            uuid primary key,
    workspace_id  uuid not null references workspaces (id) on delete cascade,
    transcript_id uuid not null references transcripts (id) on delete cascade,
    -- As the engine named them ("SPEAKER_1"); display_name is what people call them.
    label         text not null check (length(label) between 1 and 50),
    display_name  text check (length(display_name) between 1 and 80),
    unique (transcript_id, label)
);

create table transcript_segments (
    id            bigint generated always as identity primary key,
    workspace_id  uuid not null references workspaces (id) on delete cascade,
    transcript_id uuid not null references transcripts (id) on delete cascade,
    position      integer not null check (position >= 0),
    start_ms      bigint not null check (start_ms >= 0),
    end_ms        bigint not null check (end_ms >= start_ms),
    text          text not null,
    speaker_id    uuid references transcript_speakers (id) on delete set null,
    confidence    real check (confidence between 0 and 1),
    unique (transcript_id, position)
);

create table transcript_words (
    id           bigint generated always as identity primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    segment_id   bigint not null references transcript_segments (id) on delete cascade,
    position     integer not null check (position >= 0),
    start_ms     bigint not null check (start_ms >= 0),
    end_ms       bigint not null check (end_ms >= start_ms),
    text         text not null,
    confidence   real check (confidence between 0 and 1),
    unique (segment_id, position)
);

do $$
declare t text;
begin
    foreach t in array array['transcriptions', 'transcripts', 'transcript_speakers', 'transcript_segments', 'transcript_words'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy %I on %I for all using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id())',
            t || '_tenant', t
        );
    end loop;
end $$;

-- A public link to a recording shows its transcript too (read-only, while the link is live).
create policy transcripts_public_link on transcripts for select using (
    exists (
        select 1 from public_links l
        where l.token_digest = app_public_link() and l.workspace_id = transcripts.workspace_id
          and l.resource_type = 'recording' and l.resource_id = transcripts.recording_id
          and l.revoked_at is null and (l.expires_at is null or l.expires_at > now())
    )
);
