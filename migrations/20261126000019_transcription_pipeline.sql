-- The transcription pipeline: which engine a workspace uses, the job behind each transcription,
-- summaries with key moments, live progress through NOTIFY, and what a public link may read.

alter table workspaces
    add column transcription_engine text not null default 'local'
        check (transcription_engine in ('local', 'openai')),
    add column summary_style text not null default 'brief'
        check (summary_style in ('brief', 'detailed', 'bullets', 'actions'));

-- Jobs are identified by uuid; nothing was stored here yet.
alter table transcriptions alter column job_id type uuid using null;
alter table transcriptions
    -- The engine asked for ('local' or 'openai'); `engine` names the model that ran.
    add column requested_engine text not null default 'local' check (requested_engine in ('local', 'openai')),
    add column summary_style text not null default 'brief'
        check (summary_style in ('brief', 'detailed', 'bullets', 'actions'));

create table summaries (
    transcript_id uuid primary key references transcripts (id) on delete cascade,
    workspace_id  uuid not null references workspaces (id) on delete cascade,
    style         text not null check (style in ('brief', 'detailed', 'bullets', 'actions')),
    -- 'extractive' (sentences ranked locally) or 'model:{name}'.
    method        text not null,
    text          text not null,
    -- [{"ms": 61000, "title": "..."}], 3 to 10 of them, in time order.
    key_moments   jsonb not null default '[]',
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
select manage_updated_at('summaries');
alter table summaries enable row level security;
alter table summaries force row level security;
create policy summaries_tenant on summaries for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

-- A live public link shows the transcript's segments, words and summary too. The transcript
-- itself is visible to a visitor only through `transcripts_public_link`, so "its transcript is
-- visible" is the whole test; tenants never reach the subquery.
create policy transcript_segments_public_link on transcript_segments for select using (
    app_public_link() is not null
    and exists (select 1 from transcripts t where t.id = transcript_segments.transcript_id)
);
create policy transcript_words_public_link on transcript_words for select using (
    app_public_link() is not null
    and exists (select 1 from transcript_segments s where s.id = transcript_words.segment_id)
);
create policy transcript_speakers_public_link on transcript_speakers for select using (
    app_public_link() is not null
    and exists (select 1 from transcripts t where t.id = transcript_speakers.transcript_id)
);
create policy summaries_public_link on summaries for select using (
    app_public_link() is not null
    and exists (select 1 from transcripts t where t.id = summaries.transcript_id)
);

-- Pages follow a transcription live: every change is announced as "workspace:recording".
create function announce_transcription() returns trigger
language plpgsql as $$
begin
    perform pg_notify('transcription_progress', new.workspace_id::text || ':' || new.recording_id::text);
    return new;
end $$;
create trigger transcriptions_announce after insert or update on transcriptions
    for each row execute function announce_transcription();
