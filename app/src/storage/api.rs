//! Storage server functions.

use leptos::prelude::*;

use super::StorageView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

/// What the workspace stores (owners and admins: `settings.manage`).
#[server(endpoint = "storage/usage")]
pub async fn workspace_storage(workspace: String) -> Result<StorageView, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::stats::view(&auth, &workspace).await.map_err(AppError::respond)
}
