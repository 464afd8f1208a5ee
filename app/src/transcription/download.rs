//! `GET /w/{slug}/recordings/{id}/export?format=srt&speakers=1&timestamps=1&summary=1`: the
//! transcript as a file. Reading the recording is enough (by role or a share); each export is
//! recorded as a usage event.

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::export::{render, Format, Options};
use crate::{
    accounts::session::RequestAuth,
    error::AppError,
    server::AppState,
    sharing::service::{authorize_resource, Resource},
    workspaces::Permission,
};

#[derive(Deserialize)]
pub struct ExportQuery {
    format: String,
    #[serde(default)]
    speakers: Option<String>,
    #[serde(default)]
    timestamps: Option<String>,
    #[serde(default)]
    summary: Option<String>,
}

/// `filename*` (RFC 6266) keeps any title; the plain `filename` is an ASCII stand-in.
fn disposition(title: &str, extension: &str) -> HeaderValue {
    let ascii: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = crate::ui::url_encode(&format!("{title}.{extension}"));
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{}.{extension}\"; filename*=UTF-8''{encoded}",
        ascii.trim()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub async fn export(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<ExportQuery>,
    session: Session,
    request: axum::extract::Request,
) -> Response {
    match answer(state, slug, id, query, session, request).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn answer(
    state: AppState,
    slug: String,
    id: String,
    query: ExportQuery,
    session: Session,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let format = Format::from_key(&query.format)
        .ok_or_else(|| AppError::invalid_field("format", "Choose TXT, JSON, DOCX, SRT or VTT."))?;
    let on = |v: &Option<String>| v.as_deref().is_some_and(|v| matches!(v, "1" | "true" | "on"));
    let options = Options {
        speakers: on(&query.speakers),
        timestamps: on(&query.timestamps),
        summary: on(&query.summary),
    };
    let (parts, _) = request.into_parts();
    let auth = RequestAuth::signed_in(&state, session, &parts).await?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound("That recording".into()))?;
    let (access, _, mut tx) =
        authorize_resource(&auth, &slug, Resource::Recording(id), Permission::TranscriptsRead).await?;
    let doc = super::store::document(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("A transcript of that recording".into()))?;
    let body = render(&doc, format, options);
    crate::usage::record(
        &mut tx,
        crate::usage::UsageEvent {
            workspace: access.workspace.id,
            kind: "export.file",
            quantity: 1,
            unit: "count",
            // Every export counts.
            idempotency_key: format!("export:{}", Uuid::new_v4()),
            metadata: serde_json::json!({ "recording": id, "format": format.extension(), "user": access.user.id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, disposition(&doc.title, format.extension())),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}
