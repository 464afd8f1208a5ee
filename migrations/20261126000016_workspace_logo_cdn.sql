-- Workspace logos (the first public asset) and CDN cache purges.

-- When the workspace's logo last changed (unix milliseconds; null = no logo). Its object is
-- `public/w/{id}/logo`; the version goes into the logo's URL so browsers fetch a new one.
alter table workspaces add column logo_version bigint;

-- Paths waiting to be purged from the CDN's cache (DigitalOcean: 50 files per 20 seconds).
-- Platform plumbing, not workspace data: a path names an object, nothing more.
create table cdn_purges (
    path         text primary key check (length(path) between 1 and 400),
    requested_at timestamptz not null default now()
);

-- When the CDN was last asked to purge, so runs keep to the API's rate however many workers run.
create table cdn_purge_state (
    singleton     boolean primary key default true check (singleton),
    last_purge_at timestamptz
);
insert into cdn_purge_state default values;
