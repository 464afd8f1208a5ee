-- In-app notifications (the bell) and which of them each person also wants by email.
--
-- A notification belongs to its recipient: only they read, mark or delete it. It is written by
-- whoever acts in a workspace, so adding one needs that workspace's context (or your own id).
create table notifications (
    id           uuid primary key,
    user_id      uuid not null references users (id) on delete cascade,
    workspace_id uuid references workspaces (id) on delete cascade,
    category     text not null check (category in ('invitations', 'membership', 'team')),
    title        text not null check (length(title) between 1 and 300),
    link         text check (link like '/%'),
    created_at   timestamptz not null default now(),
    read_at      timestamptz
);
create index notifications_inbox on notifications (user_id, created_at desc, id desc);
create index notifications_unread on notifications (user_id) where read_at is null;

alter table notifications enable row level security;
alter table notifications force row level security;
create policy notifications_own on notifications for select using (user_id = app_user_id());
create policy notifications_mark on notifications for update
    using (user_id = app_user_id()) with check (user_id = app_user_id());
create policy notifications_dismiss on notifications for delete using (user_id = app_user_id());
create policy notifications_send on notifications for insert
    with check (user_id = app_user_id() or workspace_id = app_workspace_id());

-- Absent row = the category's default (email on).
create table notification_preferences (
    user_id  uuid not null references users (id) on delete cascade,
    category text not null check (category in ('membership', 'team')),
    email    boolean not null,
    primary key (user_id, category)
);

-- The invitations sent to the signed-in person's own (confirmed) address, so the bell can offer
-- them without the emailed token. Only the session's own address is ever presented.
create function app_invitee() returns text
language sql stable as $$ select nullif(current_setting('app.invitee', true), '') $$;
create policy invitations_for_invitee on workspace_invitations for select using (email = app_invitee());
