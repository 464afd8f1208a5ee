//! Server functions of the Admin section; each refuses anyone but a platform admin.

use leptos::prelude::*;

use super::{AdminUser, AdminUserDetail};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

#[cfg(feature = "ssr")]
fn user_id(id: &str) -> Result<uuid::Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That account".into()))
}

#[server(endpoint = "admin/users")]
pub async fn list_admin_users(search: String, page: u32) -> Result<Vec<AdminUser>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::require_admin(&auth).map_err(|e| e.clone().respond())?;
    super::service::users(&auth.state.db, &search, i64::from(page.min(10_000)))
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "admin/user")]
pub async fn get_admin_user(id: String) -> Result<AdminUserDetail, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::require_admin(&auth).map_err(|e| e.clone().respond())?;
    let id = user_id(&id).map_err(AppError::respond)?;
    super::service::user(&auth.state.db, id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "admin/user/lock")]
pub async fn admin_set_locked(id: String, locked: bool) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::require_admin(&auth).map_err(|e| e.clone().respond())?;
    let id = user_id(&id).map_err(AppError::respond)?;
    super::service::set_locked(&auth, id, locked)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "admin/user/log-out")]
pub async fn admin_force_log_out(id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::require_admin(&auth).map_err(|e| e.clone().respond())?;
    let id = user_id(&id).map_err(AppError::respond)?;
    super::service::force_log_out(&auth, id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "admin/user/resend-verification")]
pub async fn admin_resend_verification(id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::require_admin(&auth).map_err(|e| e.clone().respond())?;
    let id = user_id(&id).map_err(AppError::respond)?;
    super::service::resend_verification(&auth, id)
        .await
        .map_err(AppError::respond)
}
