//! One function per SQL statement of the email outbox.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::Rendered;

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "email_status", rename_all = "lowercase")]
pub enum EmailStatus {
    Queued,
    Sending,
    Stored,
    Sent,
    Failed,
}

pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    to: &str,
    category: &str,
    email: &Rendered,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        insert into email_outbox (id, to_address, template, category, subject, text_body, html_body)
        values ($1, $2, $3, $4, $5, $6, $7)
        "#,
        id,
        to,
        email.template,
        category,
        email.subject,
        email.text,
        email.html,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct OutboxEmail {
    pub id: Uuid,
    pub to_address: String,
    pub template: String,
    pub category: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub status: EmailStatus,
    pub backend: Option<String>,
    pub provider_message_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: time::OffsetDateTime,
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<OutboxEmail>, sqlx::Error> {
    sqlx::query_as!(
        OutboxEmail,
        r#"
        select id, to_address, template, category, subject, text_body, html_body,
               status as "status: EmailStatus", backend, provider_message_id, last_error, created_at
        from email_outbox where id = $1
        "#,
        id,
    )
    .fetch_optional(pool)
    .await
}

/// Records the outcome of a delivery attempt that ended the email's life: stored, sent or failed.
pub async fn finish(
    pool: &PgPool,
    id: Uuid,
    status: EmailStatus,
    backend: &str,
    provider_message_id: Option<&str>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        update email_outbox set status = $2, backend = $3, provider_message_id = $4, last_error = $5,
               sent_at = case when $2 in ('stored'::email_status, 'sent'::email_status) then now() end
        where id = $1
        "#,
        id,
        status as EmailStatus,
        backend,
        provider_message_id,
        error,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes a queued email for delivery; false when someone else has it or it is no longer queued.
pub async fn claim(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query!(
        "update email_outbox set status = 'sending' where id = $1 and status = 'queued'",
        id
    )
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Gives a claimed email back after a failure worth retrying.
pub async fn release(pool: &PgPool, id: Uuid, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update email_outbox set status = 'queued', last_error = $2 where id = $1 and status = 'sending'",
        id,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub struct MailboxRow {
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub template: String,
    pub status: EmailStatus,
    pub created_at: time::OffsetDateTime,
}

/// Newest first, one page.
pub async fn list_recent(pool: &PgPool, limit: i64, offset: i64) -> Result<Vec<MailboxRow>, sqlx::Error> {
    sqlx::query_as!(
        MailboxRow,
        r#"
        select id, to_address, subject, template, status as "status: EmailStatus", created_at
        from email_outbox order by created_at desc, id limit $1 offset $2
        "#,
        limit,
        offset,
    )
    .fetch_all(pool)
    .await
}
