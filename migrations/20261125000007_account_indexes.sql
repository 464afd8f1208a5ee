-- Deleting an account cascades to its sessions and tokens; these make that an index lookup
-- rather than a scan (the existing indexes cover only live rows).
create index user_sessions_user on user_sessions (user_id);
create index account_tokens_user_all on account_tokens (user_id);
