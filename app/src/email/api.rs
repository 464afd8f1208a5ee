//! The development mailbox: what the outbox holds, for people working on AudioTricks locally.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxEntry {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub template: String,
    pub status: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxEmail {
    pub entry: MailboxEntry,
    pub text: String,
    pub last_error: Option<String>,
}

pub const MAILBOX_PAGE_SIZE: i64 = 50;

#[cfg(feature = "ssr")]
fn dev_mailbox_state() -> Result<crate::server::AppState, AppError> {
    let state = crate::server::app_state()?;
    if !state.config.dev_mailbox_enabled() {
        return Err(AppError::NotFound("The development mailbox".into()));
    }
    Ok(state)
}

#[cfg(feature = "ssr")]
fn entry(
    id: uuid::Uuid,
    to: String,
    subject: String,
    template: String,
    status: super::queries::EmailStatus,
    created_at: time::OffsetDateTime,
) -> MailboxEntry {
    MailboxEntry {
        id: id.to_string(),
        to,
        subject,
        template,
        status: format!("{status:?}").to_lowercase(),
        created_at: created_at
            .replace_nanosecond(0)
            .unwrap_or(created_at)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}

#[server(endpoint = "dev/mailbox/list")]
pub async fn list_dev_mailbox(page: u32) -> Result<Vec<MailboxEntry>, AppError> {
    let state = dev_mailbox_state().map_err(AppError::respond)?;
    let offset = i64::from(page.min(10_000)) * MAILBOX_PAGE_SIZE;
    let rows = super::queries::list_recent(&state.db, MAILBOX_PAGE_SIZE, offset)
        .await
        .map_err(|e| AppError::from(e).respond())?;
    Ok(rows
        .into_iter()
        .map(|r| entry(r.id, r.to_address, r.subject, r.template, r.status, r.created_at))
        .collect())
}

#[server(endpoint = "dev/mailbox/get")]
pub async fn get_dev_mailbox_email(id: String) -> Result<MailboxEmail, AppError> {
    let state = dev_mailbox_state().map_err(AppError::respond)?;
    let id: uuid::Uuid = id
        .parse()
        .map_err(|_| AppError::NotFound("That email".into()).respond())?;
    let row = super::queries::get(&state.db, id)
        .await
        .map_err(|e| AppError::from(e).respond())?
        .ok_or_else(|| AppError::NotFound("That email".into()).respond())?;
    Ok(MailboxEmail {
        entry: entry(
            row.id,
            row.to_address,
            row.subject,
            row.template,
            row.status,
            row.created_at,
        ),
        text: row.text_body,
        last_error: row.last_error,
    })
}
