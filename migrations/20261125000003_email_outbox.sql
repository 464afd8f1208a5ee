-- Every email we send, as rendered, with its delivery state. With the default `outbox` backend
-- this is also where emails stay (the development mailbox reads it).

-- queued → sending (claimed by exactly one deliverer) → stored | sent | failed. A row left in
-- `sending` had an unknown outcome and is never sent again.
create type email_status as enum ('queued', 'sending', 'stored', 'sent', 'failed');

create table email_outbox (
    id                  uuid primary key,
    to_address          text not null check (length(to_address) between 3 and 320),
    template            text not null check (length(template) <= 100),
    category            text not null check (category ~ '^[a-z][a-z_]{0,49}$'),
    subject             text not null check (length(subject) <= 998),
    text_body           text not null,
    html_body           text not null,
    status              email_status not null default 'queued',
    backend             text,
    provider_message_id text,
    last_error          text,
    sent_at             timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);
select manage_updated_at('email_outbox');
create index email_outbox_created_at on email_outbox (created_at desc);
