-- Which audit entries belong to which workspace, for its activity feed. The audit log itself
-- stays one global chain (verification reads all of it); this table carries the workspace and
-- sits under Row-Level Security like every other table of workspace data.
create table workspace_activity (
    audit_id     bigint primary key references audit_log (id),
    workspace_id uuid not null references workspaces (id) on delete cascade,
    actor_id     uuid,
    action       text not null,
    created_at   timestamptz not null default now()
);
create index workspace_activity_feed on workspace_activity (workspace_id, audit_id desc);

alter table workspace_activity enable row level security;
alter table workspace_activity force row level security;
-- A feed of the audit log is as append-only as the log: read and add, never change.
create policy activity_read on workspace_activity for select using (workspace_id = app_workspace_id());
create policy activity_add on workspace_activity for insert with check (workspace_id = app_workspace_id());
revoke update, delete, truncate on workspace_activity from audiotricks_app;
