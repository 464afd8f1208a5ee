-- Workspaces and their members, under Row-Level Security.
--
-- The app sets two transaction-local settings through one helper (`workspaces::tenant`):
-- `app.user_id` (who is asking) and `app.workspace_id` (which workspace the transaction works
-- in). Every policy reads them through the two functions below; with neither set, tenant tables
-- show no rows at all.

create function app_user_id() returns uuid
language sql stable as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$;

create function app_workspace_id() returns uuid
language sql stable as $$ select nullif(current_setting('app.workspace_id', true), '')::uuid $$;

create table workspaces (
    id               uuid primary key,
    -- Lower-case letters, digits and inner hyphens, 3-40 characters: it appears in URLs.
    slug             text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
    name             text not null check (length(name) between 1 and 80),
    personal         boolean not null default false,
    -- 'auto' or an ISO 639-1 code.
    default_language text not null default 'auto' check (default_language ~ '^(auto|[a-z]{2})$'),
    -- Recordings older than this are deleted by a scheduled job; null keeps them.
    retention_days   integer check (retention_days between 1 and 3650),
    timezone         text not null default 'UTC' check (length(timezone) between 1 and 64),
    created_by       uuid references users (id) on delete set null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);
select manage_updated_at('workspaces');

create table workspace_members (
    workspace_id uuid not null references workspaces (id) on delete cascade,
    user_id      uuid not null references users (id) on delete cascade,
    role         text not null check (role in ('owner', 'admin', 'member', 'viewer')),
    created_at   timestamptz not null default now(),
    primary key (workspace_id, user_id)
);
create index workspace_members_user on workspace_members (user_id);
-- Exactly one owner per workspace.
create unique index workspace_members_one_owner on workspace_members (workspace_id) where role = 'owner';

-- Old slugs keep working as redirects after a rename.
create table workspace_slug_history (
    slug         text primary key check (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
    workspace_id uuid not null references workspaces (id) on delete cascade,
    created_at   timestamptz not null default now()
);
create index workspace_slug_history_workspace on workspace_slug_history (workspace_id);

-- Whether the asking user belongs to `ws`. It reads workspace_members under that table's own
-- policy, which shows a user their own memberships, so it needs no extra rights.
create function app_is_member(ws uuid) returns boolean
language sql stable as $$
    select exists (select 1 from workspace_members where workspace_id = ws and user_id = app_user_id())
$$;

alter table workspaces enable row level security;
alter table workspaces force row level security;
-- A member sees their workspaces; writes only inside the transaction's own workspace.
create policy workspaces_read on workspaces for select using (id = app_workspace_id() or app_is_member(id));
create policy workspaces_insert on workspaces for insert with check (id = app_workspace_id());
create policy workspaces_update on workspaces for update using (id = app_workspace_id() and app_is_member(id))
    with check (id = app_workspace_id());
create policy workspaces_delete on workspaces for delete using (id = app_workspace_id() and app_is_member(id));

alter table workspace_members enable row level security;
alter table workspace_members force row level security;
-- The current workspace's members, and the user's own memberships everywhere (for the switcher).
create policy members_read on workspace_members for select
    using (workspace_id = app_workspace_id() or user_id = app_user_id());
create policy members_write on workspace_members for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table workspace_slug_history enable row level security;
alter table workspace_slug_history force row level security;
create policy slug_history_read on workspace_slug_history for select
    using (workspace_id = app_workspace_id() or app_is_member(workspace_id));
create policy slug_history_write on workspace_slug_history for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());
