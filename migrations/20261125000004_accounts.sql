-- Accounts: users, their signed-in sessions, single-use emailed tokens, the security events they
-- can read, and sign-in throttling. Plus the table tower-sessions keeps session data in.

create table users (
    id                uuid primary key,
    -- Stored lower-cased and trimmed; the service normalises before every lookup.
    email             text not null unique check (email = lower(email) and length(email) between 3 and 254),
    name              text not null check (length(name) between 1 and 100),
    password_hash     text not null check (password_hash like '$argon2id$%'),
    email_verified_at timestamptz,
    is_platform_admin boolean not null default false,
    -- Set by a platform admin; a locked account cannot sign in and its sessions end.
    locked_at         timestamptz,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);
select manage_updated_at('users');

-- One row per sign-in. The tower-sessions record only carries this row's id, so the user can list
-- and revoke sessions here while the cookie's data stays opaque.
create table user_sessions (
    id             uuid primary key,
    user_id        uuid not null references users (id) on delete cascade,
    user_agent     text not null default '' check (length(user_agent) <= 512),
    ip             text check (length(ip) <= 45),
    location       text not null default '' check (length(location) <= 200),
    created_at     timestamptz not null default now(),
    last_seen_at   timestamptz not null default now(),
    expires_at     timestamptz not null,
    revoked_at     timestamptz,
    revoked_reason text check (length(revoked_reason) <= 100)
);
create index user_sessions_active on user_sessions (user_id, last_seen_at desc) where revoked_at is null;

create type account_token_purpose as enum ('verify_email', 'reset_password', 'change_email');

-- Only a SHA-256 of each token is kept: a leaked table row cannot be turned back into a link.
create table account_tokens (
    id         uuid primary key,
    user_id    uuid not null references users (id) on delete cascade,
    purpose    account_token_purpose not null,
    token_hash bytea not null unique check (length(token_hash) = 32),
    -- The address a verify/change-email token confirms.
    email      text check (email = lower(email) and length(email) between 3 and 254),
    expires_at timestamptz not null,
    used_at    timestamptz,
    created_at timestamptz not null default now()
);
create index account_tokens_user on account_tokens (user_id, purpose) where used_at is null;

-- What a user sees on their Security page (the audit log is the operators' record).
create table security_events (
    id         bigint generated always as identity primary key,
    user_id    uuid not null references users (id) on delete cascade,
    kind       text not null check (kind ~ '^[a-z][a-z_]{0,49}$'),
    ip         text check (length(ip) <= 45),
    user_agent text not null default '' check (length(user_agent) <= 512),
    location   text not null default '' check (length(location) <= 200),
    detail     jsonb not null default '{}',
    created_at timestamptz not null default now()
);
create index security_events_user on security_events (user_id, id desc);

-- Failed sign-ins per email address, whether or not an account has it, so a lock tells an
-- attacker nothing about which addresses exist.
create table sign_in_throttles (
    email           text primary key check (length(email) <= 254),
    failures        integer not null default 0 check (failures >= 0),
    locked_until    timestamptz,
    last_failure_at timestamptz not null default now()
);

-- tower-sessions-sqlx-store's table, in its default schema. Created here because the app role
-- may not create schemas (so the store's own `migrate()` is never called).
create schema tower_sessions;
create table tower_sessions.session (
    id          text primary key not null,
    data        bytea not null,
    expiry_date timestamptz not null
);
create index session_expiry_date on tower_sessions.session (expiry_date);
grant usage on schema tower_sessions to audiotricks_app;
grant select, insert, update, delete on tower_sessions.session to audiotricks_app;
