-- Invitations to a workspace. The token (only its SHA-256 is stored) is the capability: besides
-- the workspace's own context, a transaction that presents the token's digest through
-- `app.invitation` may read that one invitation, and nothing else.

create function app_invitation() returns bytea
language sql stable as $$ select decode(nullif(current_setting('app.invitation', true), ''), 'hex') $$;

create table workspace_invitations (
    id           uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    email        text not null check (email = lower(email) and length(email) between 3 and 254),
    role         text not null check (role in ('admin', 'member', 'viewer')),
    token_hash   bytea not null unique check (length(token_hash) = 32),
    invited_by   uuid references users (id) on delete set null,
    expires_at   timestamptz not null,
    accepted_at  timestamptz,
    accepted_by  uuid references users (id) on delete set null,
    revoked_at   timestamptz,
    created_at   timestamptz not null default now()
);
-- One open invitation per address and workspace.
create unique index workspace_invitations_open on workspace_invitations (workspace_id, email)
    where accepted_at is null and revoked_at is null;

alter table workspace_invitations enable row level security;
alter table workspace_invitations force row level security;
create policy invitations_read on workspace_invitations for select
    using (workspace_id = app_workspace_id() or token_hash = app_invitation());
create policy invitations_write on workspace_invitations for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());
