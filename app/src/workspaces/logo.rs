//! The workspace's logo: a small PNG, JPEG or WebP (judged by its content), kept as a public
//! object and served through the CDN when there is one. Replacing or removing it purges the
//! CDN's copy; its URL carries a version so browsers fetch the new one.
//!
//! Uploaded with a plain form (`POST /w/{slug}/logo`, multipart), which works with or without
//! JavaScript and answers with a redirect back to the settings page.

use axum::{
    extract::{Multipart, Path, State},
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{service::authorize, Permission};
use crate::{
    accounts::session::{authenticate, RequestAuth, RequestMeta},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::AppError,
    server::AppState,
    storage::{cdn, keys::ObjectKey, public::image_type, MAX_PUBLIC_OBJECT_BYTES},
};

pub async fn save(auth: &RequestAuth, slug: &str, bytes: Vec<u8>) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::SettingsManage).await?;
    if bytes.is_empty() {
        return Err(AppError::invalid_field("logo", "Choose an image file for the logo."));
    }
    if bytes.len() > MAX_PUBLIC_OBJECT_BYTES {
        return Err(too_large());
    }
    let kind = image_type(&bytes).ok_or_else(|| AppError::invalid_field("logo", "Use a PNG, JPEG or WebP image."))?;
    let workspace = &access.workspace;
    let key = ObjectKey::workspace_logo(workspace.id);
    let version = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000;
    sqlx::query!(
        "update workspaces set logo_version = $2 where id = $1",
        workspace.id,
        version
    )
    .execute(&mut *tx)
    .await?;
    if workspace.logo_version.is_some() {
        cdn::request_purge(&mut tx, &auth.state.config.storage, &[key.as_str().to_owned()]).await?;
    }
    let size = bytes.len();
    auth.state
        .storage
        .put_public(&key, bytes, kind)
        .await
        .map_err(AppError::from)?;
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::User(access.user.id), AuditAction::WorkspaceLogoChanged)
            .target("workspace", workspace.id.to_string())
            .workspace(workspace.id)
            .metadata(serde_json::json!({ "type": kind, "bytes": size }))
            .origin(auth.meta.ip, Some(&auth.meta.user_agent)),
    )
    .await?;
    tx.commit().await?;
    Ok("Logo saved.".into())
}

pub async fn remove(auth: &RequestAuth, slug: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::SettingsManage).await?;
    let workspace = &access.workspace;
    if workspace.logo_version.is_none() {
        return Err(AppError::Conflict("This workspace has no logo.".into()));
    }
    let key = ObjectKey::workspace_logo(workspace.id);
    sqlx::query!("update workspaces set logo_version = null where id = $1", workspace.id)
        .execute(&mut *tx)
        .await?;
    cdn::request_purge(&mut tx, &auth.state.config.storage, &[key.as_str().to_owned()]).await?;
    auth.state.storage.delete(&key).await.map_err(AppError::from)?;
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::User(access.user.id), AuditAction::WorkspaceLogoRemoved)
            .target("workspace", workspace.id.to_string())
            .workspace(workspace.id)
            .origin(auth.meta.ip, Some(&auth.meta.user_agent)),
    )
    .await?;
    tx.commit().await?;
    Ok("Logo removed.".into())
}

fn too_large() -> AppError {
    AppError::invalid_field(
        "logo",
        format!("The logo can be at most {} kB.", MAX_PUBLIC_OBJECT_BYTES / 1024),
    )
}

/// What the form sent: the action, and the file's bytes (read up to one byte past the limit).
async fn read_form(mut form: Multipart) -> Result<(String, Vec<u8>), AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        // A body past the server's limit stops mid-read; say so rather than "unreadable".
        let mut cause: Option<&dyn std::error::Error> = Some(&e);
        let mut over_limit = false;
        while let Some(c) = cause {
            over_limit |= c.to_string().contains("length limit");
            cause = c.source();
        }
        if over_limit {
            too_large()
        } else {
            AppError::invalid("The upload could not be read. Try again.")
        }
    };
    let (mut action, mut bytes) = (String::from("upload"), Vec::new());
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("action") => action = field.text().await.map_err(unreadable)?,
            Some("logo") => {
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if bytes.len() + chunk.len() > MAX_PUBLIC_OBJECT_BYTES {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
    }
    Ok((action, bytes))
}

/// `POST /w/{slug}/logo`: uploads (`action=upload`, the file in `logo`) or removes
/// (`action=remove`) the logo, then goes back to the settings page with the outcome.
pub async fn form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    session: Session,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let meta = RequestMeta::from_parts(&parts, &state);
    let back = |outcome: Result<String, AppError>| {
        let query = match outcome {
            Ok(message) => format!("logo={}", crate::ui::url_encode(&message)),
            Err(e) => format!("logo_error={}", crate::ui::url_encode(&e.to_string())),
        };
        Redirect::to(&format!("/w/{}/settings?{query}", crate::ui::url_encode(&slug))).into_response()
    };
    let user = match authenticate(&state, &session, &meta).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return back(Err(e)),
    };
    let auth = RequestAuth {
        state: state.clone(),
        session,
        meta,
        user: Some(user),
    };
    // The form's own fields add a few hundred bytes to the file.
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_PUBLIC_OBJECT_BYTES + 16 * 1024) {
        return back(Err(too_large()));
    }
    let request = axum::extract::Request::from_parts(parts, body);
    let form = match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
        Ok(form) => form,
        Err(_) => return back(Err(AppError::invalid("Send the logo as a file from the form."))),
    };
    let outcome = match read_form(form).await {
        Ok((action, _)) if action == "remove" => remove(&auth, &slug).await,
        Ok((_, bytes)) => save(&auth, &slug, bytes).await,
        Err(e) => Err(e),
    };
    back(outcome)
}
