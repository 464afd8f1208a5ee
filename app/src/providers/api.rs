//! API key server functions; each checks `api_keys.manage` in the named workspace.

use leptos::prelude::*;

use super::ApiKeysView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

#[server(endpoint = "api-keys/list")]
pub async fn api_keys(workspace: String) -> Result<ApiKeysView, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::list(&auth, &workspace).await.map_err(AppError::respond)
}

#[server(endpoint = "api-keys/save")]
pub async fn save_api_key(workspace: String, provider: String, key: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::save(&auth, &workspace, &provider, &key)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "api-keys/remove")]
pub async fn remove_api_key(workspace: String, provider: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::remove(&auth, &workspace, &provider)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "api-keys/test")]
pub async fn test_api_key(workspace: String, provider: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::test(&auth, &workspace, &provider)
        .await
        .map_err(AppError::respond)
}
