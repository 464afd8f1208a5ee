-- The country a session signed in from (ISO code, from offline geolocation), so a sign-in from a
-- country the account has not used before can be flagged.
alter table user_sessions add column country text check (country ~ '^[A-Z]{2}$');
