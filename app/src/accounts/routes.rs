//! Plain HTTP routes for accounts (what a server function cannot be: a file download).

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use super::session::{authenticate, RequestMeta};
use crate::server::AppState;

/// `GET /account/export.json`: the signed-in user's own data, as a download.
pub async fn export(State(state): State<AppState>, session: Session, request: axum::extract::Request) -> Response {
    let (parts, _) = request.into_parts();
    let meta = RequestMeta::from_parts(&parts, &state);
    let user = match authenticate(&state, &session, &meta).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Please log in to download your data.").into_response(),
        Err(e) => return e.into_response(),
    };
    match super::service::export(&state, user.id).await {
        Ok(data) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audiotricks-account.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&data).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
