-- Two-factor sign-in with TOTP: the secret (sealed with MASTER_KEY, never stored in clear), the
-- last time step used (a code works once), and single-use recovery codes kept only as digests.

alter table users
    add column totp_secret      text check (totp_secret like 'v1:%'),
    -- A secret shown for enrolment but not yet confirmed with a code.
    add column totp_pending     text check (totp_pending like 'v1:%'),
    add column totp_enabled_at  timestamptz,
    add column totp_last_step   bigint,
    add constraint totp_enabled_has_secret check ((totp_enabled_at is null) = (totp_secret is null));

create table recovery_codes (
    id         uuid primary key,
    user_id    uuid not null references users (id) on delete cascade,
    code_hash  bytea not null check (length(code_hash) = 32),
    used_at    timestamptz,
    created_at timestamptz not null default now(),
    unique (user_id, code_hash)
);
