//! Notification server functions: all about the signed-in user's own inbox and settings.

use leptos::prelude::*;

use super::{Inbox, NotificationPage, Preference};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

/// The bell's contents; `None` for a visitor (the top bar asks on every page, and an error status
/// here would become the page's status).
#[server(endpoint = "notifications/inbox")]
pub async fn notification_inbox() -> Result<Option<Inbox>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::inbox(&auth).await.map_err(AppError::respond)
}

#[server(endpoint = "notifications/list")]
pub async fn list_notifications(page: u32, unread_only: bool) -> Result<NotificationPage, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::page(&auth, page, unread_only)
        .await
        .map_err(AppError::respond)
}

/// Marks one notification read, or all of them when `id` is empty.
#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read(id: Option<String>) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::mark_read(&auth, id.as_deref())
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "notifications/preferences")]
pub async fn notification_preferences() -> Result<Vec<Preference>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::preferences(&auth).await.map_err(AppError::respond)
}

/// `email` are the category keys whose boxes are ticked (`email[]`).
#[server(endpoint = "notifications/preferences/save")]
pub async fn save_notification_preferences(email: Option<Vec<String>>) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::save_preferences(&auth, &email.unwrap_or_default())
        .await
        .map_err(AppError::respond)
}
