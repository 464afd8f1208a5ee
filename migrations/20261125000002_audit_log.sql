-- The audit log: append-only and tamper-evident. Each row's hash covers the previous row's hash
-- and its own content, so changing, removing or reordering any row breaks every later link;
-- `audiotricks audit verify` recomputes the chain.

create table audit_log (
    id          bigint primary key,
    occurred_at timestamptz not null,
    actor_type  text not null check (actor_type in ('system', 'user')),
    actor_id    uuid,
    action      text not null check (action ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
    target_type text check (length(target_type) <= 50),
    target_id   text check (length(target_id) <= 200),
    metadata    jsonb not null default '{}',
    ip          text check (length(ip) <= 45),
    user_agent  text check (length(user_agent) <= 512),
    prev_hash   bytea not null,
    hash        bytea not null unique,
    check ((actor_type = 'system') = (actor_id is null))
);
create sequence audit_log_id_seq owned by audit_log.id;
create index audit_log_occurred_at on audit_log (occurred_at);
create index audit_log_actor on audit_log (actor_id, id) where actor_id is not null;

-- The one definition of a row's digest, used when writing and when verifying.
create function audit_digest(prev bytea, e audit_log) returns bytea
language sql stable as $$
    select sha256(prev || convert_to(jsonb_build_array(
        e.id,
        to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_type, e.actor_id, e.action, e.target_type, e.target_id, e.metadata, e.ip, e.user_agent
    )::text, 'UTF8'))
$$;

-- Links each new row to the last one. The advisory lock makes writers take turns until they
-- commit; the id and time are assigned after it, so id order is chain order. Under READ
-- COMMITTED each statement below sees rows committed while we waited for the lock.
create function audit_log_link() returns trigger
language plpgsql as $$
declare
    previous bytea;
begin
    if current_setting('transaction_isolation') <> 'read committed' then
        raise exception 'audit records must be written in a READ COMMITTED transaction';
    end if;
    -- The lock is held until the caller commits, so record() is the last step of a change; a
    -- writer that cannot get it within 5 s fails instead of stalling every audited write.
    perform set_config('lock_timeout', '5s', true);
    perform pg_advisory_xact_lock(hashtextextended('audit_log', 0));
    select hash into previous from audit_log order by id desc limit 1;
    new.id := nextval('audit_log_id_seq');
    new.occurred_at := date_trunc('microseconds', clock_timestamp());
    new.prev_hash := coalesce(previous, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    new.hash := audit_digest(new.prev_hash, new);
    return new;
end $$;

create trigger audit_log_link before insert on audit_log
    for each row execute function audit_log_link();

create function audit_log_reject_change() returns trigger
language plpgsql as $$
begin
    raise exception 'the audit log is append-only: % is not allowed', tg_op;
end $$;

create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_reject_change();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_reject_change();

-- The app may add and read entries, nothing else.
revoke update, delete, truncate on audit_log from audiotricks_app;
grant usage on sequence audit_log_id_seq to audiotricks_app;
