-- Custom roles: a workspace's own named sets of permissions, next to the built-in ones. A member
-- has either a built-in role or (role = 'custom') one of their workspace's custom roles.
create table workspace_roles (
    id           uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name         text not null check (length(name) between 1 and 40),
    permissions  text[] not null check (permissions <@ array[
        'transcripts.read', 'transcripts.create', 'transcripts.edit', 'transcripts.delete', 'transcripts.share',
        'members.manage', 'roles.manage', 'settings.manage', 'billing.manage', 'api_keys.manage', 'audit.read'
    ]::text[]),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    unique (workspace_id, id)
);
select manage_updated_at('workspace_roles');
create unique index workspace_roles_name on workspace_roles (workspace_id, lower(name));

alter table workspace_roles enable row level security;
alter table workspace_roles force row level security;
-- Members read their workspaces' roles (a member's own role decides what they may do).
create policy roles_read on workspace_roles for select
    using (workspace_id = app_workspace_id() or app_is_member(workspace_id));
create policy roles_write on workspace_roles for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table workspace_members drop constraint workspace_members_role_check;
alter table workspace_members
    add constraint workspace_members_role_check check (role in ('owner', 'admin', 'member', 'viewer', 'custom')),
    add column custom_role_id uuid,
    add constraint workspace_members_custom_role foreign key (workspace_id, custom_role_id)
        references workspace_roles (workspace_id, id),
    add constraint workspace_members_custom_pair check ((role = 'custom') = (custom_role_id is not null));
