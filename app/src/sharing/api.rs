//! Sharing server functions. Sharing with members and managing public links check
//! `transcripts.share` in the resource's workspace; opening a public link needs only its token.

use leptos::prelude::*;

use super::PublicView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::service::Resource;
#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

#[server(endpoint = "sharing/members/share")]
pub async fn share_with_member(
    workspace: String,
    kind: String,
    id: String,
    member: String,
    access: String,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    async {
        let resource = Resource::parse(&kind, &id)?;
        super::service::share_with_member(&auth, &workspace, resource, &member, &access).await
    }
    .await
    .map_err(AppError::respond)
}

#[server(endpoint = "sharing/members/stop")]
pub async fn stop_sharing_with_member(
    workspace: String,
    kind: String,
    id: String,
    member: String,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    async {
        let resource = Resource::parse(&kind, &id)?;
        super::service::stop_sharing_with_member(&auth, &workspace, resource, &member).await
    }
    .await
    .map_err(AppError::respond)
}

/// Creates a public link and answers with it, to copy.
#[server(endpoint = "sharing/links/create")]
pub async fn create_public_link(
    workspace: String,
    kind: String,
    id: String,
    expires_in_days: u32,
    link_password: String,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    async {
        let resource = Resource::parse(&kind, &id)?;
        super::links::create_link(&auth, &workspace, resource, expires_in_days, &link_password).await
    }
    .await
    .map_err(AppError::respond)
}

#[server(endpoint = "sharing/links/revoke")]
pub async fn revoke_public_link(workspace: String, link: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::links::revoke_link(&auth, &workspace, &link)
        .await
        .map_err(AppError::respond)
}

/// What a public link shows this visitor. A dead link is an answer (`Gone`), not an error, and the
/// page gives it its status.
#[server(endpoint = "shared/open")]
pub async fn open_public_link(token: String) -> Result<PublicView, AppError> {
    let state = crate::server::app_state()?;
    let cookies = use_context::<axum::http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .reduce(|a, b| format!("{a}; {b}"))
        })
        .unwrap_or_default();
    super::public::open(&state, &token, &cookies)
        .await
        .map_err(AppError::respond)
}

/// Checks a public link's password; a correct one keeps the link open in this browser for a while.
#[server(endpoint = "shared/unlock")]
pub async fn unlock_public_link(token: String, password: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let cookie = super::public::unlock(&auth.state, &token, &password, auth.meta.ip)
        .await
        .map_err(AppError::respond)?;
    let value = axum::http::HeaderValue::from_str(&cookie).map_err(|e| AppError::respond(AppError::internal(e)))?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
    Ok(())
}
