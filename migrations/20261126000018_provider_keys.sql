-- Each workspace's API keys for outside providers (OpenAI-compatible transcription and chat,
-- ElevenLabs voices). The key is kept only sealed under MASTER_KEY (AES-256-GCM, bound to its
-- row); the last four characters are kept apart so the page can show which key it is.
create table provider_keys (
    id               uuid primary key,
    workspace_id     uuid not null references workspaces (id) on delete cascade,
    provider         text not null check (provider in ('openai', 'elevenlabs')),
    sealed           text not null check (sealed like 'v1:%'),
    last_four        text not null check (length(last_four) between 1 and 4),
    created_by       uuid references users (id) on delete set null,
    created_at       timestamptz not null default now(),
    last_used_at     timestamptz,
    last_tested_at   timestamptz,
    last_test_ok     boolean,
    last_test_message text,
    unique (workspace_id, provider)
);

alter table provider_keys enable row level security;
alter table provider_keys force row level security;
create policy provider_keys_tenant on provider_keys for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

-- `audiotricks keys rotate` re-seals every sealed value under the newest MASTER_KEY entry. It
-- finds the workspaces that hold sealed values through this flag, then works inside each one.
create function app_key_rotation() returns boolean
language sql stable as $$ select coalesce(current_setting('app.key_rotation', true), '') = 'on' $$;
create policy workspaces_key_rotation_read on workspaces for select using (app_key_rotation());
