-- Sharing one resource (a recording now; transcripts when they land) with chosen members, and
-- public links that show that one resource to anyone holding the link.
--
-- Resources are named by type and id, so one pair of tables serves every kind of resource.

create table resource_shares (
    workspace_id  uuid not null,
    resource_type text not null check (resource_type in ('recording')),
    resource_id   uuid not null,
    user_id       uuid not null,
    access        text not null check (access in ('view', 'edit')),
    shared_by     uuid references users (id) on delete set null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    primary key (resource_type, resource_id, user_id),
    -- Leaving or being removed from the workspace ends the member's shares there.
    foreign key (workspace_id, user_id) references workspace_members (workspace_id, user_id) on delete cascade,
    foreign key (workspace_id) references workspaces (id) on delete cascade
);
select manage_updated_at('resource_shares');
create index resource_shares_for_member on resource_shares (workspace_id, user_id, resource_type);

create table public_links (
    id             uuid primary key,
    workspace_id   uuid not null references workspaces (id) on delete cascade,
    resource_type  text not null check (resource_type in ('recording')),
    resource_id    uuid not null,
    -- SHA-256 of the 128-bit token in the URL; the token itself is kept only sealed (for copying
    -- the link again), under MASTER_KEY.
    token_digest   bytea not null unique check (length(token_digest) = 32),
    token_sealed   text not null,
    -- argon2id, when the link asks for a password.
    password_hash  text,
    expires_at     timestamptz,
    revoked_at     timestamptz,
    view_count     bigint not null default 0 check (view_count >= 0),
    last_viewed_at timestamptz,
    created_by     uuid references users (id) on delete set null,
    created_at     timestamptz not null default now()
);
create index public_links_for_resource on public_links (resource_type, resource_id, created_at desc);

alter table resource_shares enable row level security;
alter table resource_shares force row level security;
create policy resource_shares_tenant on resource_shares for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

alter table public_links enable row level security;
alter table public_links force row level security;
create policy public_links_tenant on public_links for all
    using (workspace_id = app_workspace_id()) with check (workspace_id = app_workspace_id());

-- A visitor presents a link's token digest (`workspaces::tenant::present_public_link`). They
-- may read that link, count their view on a live one, and read the one resource it names while
-- it is live; nothing else of the workspace.
create function app_public_link() returns bytea
language sql stable as $$ select decode(nullif(current_setting('app.public_link', true), ''), 'hex') $$;
create policy public_links_visit on public_links for select using (token_digest = app_public_link());
create policy public_links_count_view on public_links for update
    using (token_digest = app_public_link() and revoked_at is null and (expires_at is null or expires_at > now()))
    with check (token_digest = app_public_link());
-- Outside a workspace's context (a visitor), an update may only add one view.
create function public_links_visitor_counts_only() returns trigger
language plpgsql as $$
begin
    if app_workspace_id() is null and (
        (new.id, new.workspace_id, new.resource_type, new.resource_id, new.token_digest, new.token_sealed,
         new.password_hash, new.expires_at, new.revoked_at, new.created_by, new.created_at)
        is distinct from
        (old.id, old.workspace_id, old.resource_type, old.resource_id, old.token_digest, old.token_sealed,
         old.password_hash, old.expires_at, old.revoked_at, old.created_by, old.created_at)
        or new.view_count <> old.view_count + 1
    ) then
        raise exception 'a public link''s visitor may only count a view';
    end if;
    return new;
end $$;
create trigger public_links_visitor_counts_only before update on public_links
    for each row execute function public_links_visitor_counts_only();
create policy recordings_public_link on recordings for select using (
    exists (
        select 1 from public_links l
        where l.token_digest = app_public_link()
          and l.workspace_id = recordings.workspace_id
          and l.resource_type = 'recording' and l.resource_id = recordings.id
          and l.revoked_at is null and (l.expires_at is null or l.expires_at > now())
    )
);

-- A resource that goes takes its shares and links with it.
create function forget_shared_resource() returns trigger
language plpgsql as $$
begin
    delete from resource_shares
    where workspace_id = old.workspace_id and resource_type = tg_argv[0] and resource_id = old.id;
    delete from public_links
    where workspace_id = old.workspace_id and resource_type = tg_argv[0] and resource_id = old.id;
    return old;
end $$;
create trigger recordings_forget_shares after delete on recordings
    for each row execute function forget_shared_resource('recording');

-- Someone shares a resource with you: a notification category of its own.
alter table notifications drop constraint notifications_category_check;
alter table notifications add constraint notifications_category_check
    check (category in ('invitations', 'membership', 'team', 'shares'));
alter table notification_preferences drop constraint notification_preferences_category_check;
alter table notification_preferences add constraint notification_preferences_category_check
    check (category in ('membership', 'team', 'shares'));
