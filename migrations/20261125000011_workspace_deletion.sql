-- Deleting a workspace first marks it; it can be restored until `purge_after`, when a scheduled
-- job removes it and everything in it for good.
alter table workspaces
    add column deleted_at  timestamptz,
    add column purge_after timestamptz,
    add constraint workspaces_deletion_pair check ((deleted_at is null) = (purge_after is null));
create index workspaces_purge on workspaces (purge_after) where purge_after is not null;

-- The purge job's one window onto all tenants: rows already past their grace period, and only
-- in a transaction that `workspaces::tenant::for_purge` marked as the purge.
create function app_purging() returns boolean
language sql stable as $$ select coalesce(current_setting('app.purge', true), '') = 'on' $$;

create policy workspaces_purge_read on workspaces for select using (app_purging() and purge_after < now());
create policy workspaces_purge_delete on workspaces for delete using (app_purging() and purge_after < now());
