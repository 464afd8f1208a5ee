//! What a visitor with a public link gets: the one resource, read-only, after the link's password
//! when it has one. The token is the capability; the transaction presents its digest and Row-Level
//! Security shows that link and, while it is live, its resource, and nothing else.

use std::{net::IpAddr, time::Duration};

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    links::{token_digest, token_shape_ok},
    PublicRecording, PublicView, SharedResource,
};
use crate::{
    accounts::{format_time, password},
    error::AppError,
    server::AppState,
    storage::keys::ObjectKey,
    workspaces::tenant,
};

/// The player asks `/s/{token}/media`, which re-checks the link on every request and sends it on
/// to a signed URL this short-lived, so revoking a link stops playback at once.
const MEDIA_URL_TTL: Duration = Duration::from_secs(60);
/// How long a correct password keeps the link open in that browser.
pub const UNLOCK_TTL_SECS: i64 = 12 * 60 * 60;
/// Password tries per link and address, and per link from everywhere, each 15 minutes. The
/// second is high enough that a few addresses cannot lock the link's real recipients out.
const GUESSES_PER_ADDRESS: u32 = 10;
const GUESSES_PER_LINK: u32 = 100;
const GUESS_WINDOW: Duration = Duration::from_secs(15 * 60);

const NO_LONGER: &str = "What this link shared is no longer available.";
const DEAD: &str = "This link doesn't work. Check that it was copied whole, or ask whoever sent it for a new one.";

struct Link {
    id: Uuid,
    resource_type: String,
    resource_id: Uuid,
    password_hash: Option<String>,
    expires_at: Option<OffsetDateTime>,
    revoked: bool,
    expired: bool,
}

/// The link (live or not) and the transaction presenting it, or why it shows nothing.
async fn find(
    state: &AppState,
    token: &str,
) -> Result<Result<(Link, sqlx::Transaction<'static, sqlx::Postgres>), String>, AppError> {
    if !token_shape_ok(token) {
        return Ok(Err(DEAD.into()));
    }
    let digest = token_digest(token);
    let mut tx = state.db.begin().await?;
    tenant::present_public_link(&mut tx, &digest).await?;
    let link = sqlx::query_as!(
        Link,
        r#"select id, resource_type, resource_id, password_hash, expires_at,
                  revoked_at is not null as "revoked!",
                  (expires_at is not null and expires_at <= now()) as "expired!"
           from public_links where token_digest = $1"#,
        &digest[..]
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match link {
        None => Err(DEAD.into()),
        Some(l) if l.revoked => Err("This link was turned off by the people who shared it.".into()),
        Some(l) if l.expired => Err(format!(
            "This link expired on {}. Ask whoever sent it for a new one.",
            l.expires_at.map(format_time).unwrap_or_default()
        )),
        Some(l) => Ok((l, tx)),
    })
}

struct SharedRecording {
    title: String,
    duration_ms: Option<i64>,
    format: Option<String>,
    created_at: OffsetDateTime,
    object_key: String,
    file_name: String,
    content_type: Option<String>,
}

/// The recording a live link names, while it is ready and out of the trash.
async fn shared_recording(tx: &mut sqlx::PgConnection, link: &Link) -> Result<Option<SharedRecording>, AppError> {
    if link.resource_type != "recording" {
        return Ok(None);
    }
    Ok(sqlx::query_as!(
        SharedRecording,
        "select title, duration_ms, format, created_at, object_key, file_name, content_type
         from recordings where id = $1 and status = 'ready' and deleted_at is null",
        link.resource_id
    )
    .fetch_optional(&mut *tx)
    .await?)
}

fn cookies_of(headers: &HeaderMap) -> String {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `GET /s/{token}/media`: checks the link (live, and unlocked in this browser when it has a
/// password) and redirects the player to a one-minute signed URL for the file, named after the
/// title rather than the uploader's file name.
pub async fn media(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let answer = async {
        let (link, mut tx) = match find(&state, &token).await? {
            Ok(found) => found,
            Err(why) => return Ok((StatusCode::GONE, why).into_response()),
        };
        if !unlocked(&state, &link, &cookies_of(&headers)) {
            return Ok((StatusCode::FORBIDDEN, "Open the link and type its password first.").into_response());
        }
        let Some(r) = shared_recording(&mut tx, &link).await? else {
            return Ok((StatusCode::GONE, NO_LONGER).into_response());
        };
        tx.commit().await?;
        let key =
            ObjectKey::parse(&r.object_key).ok_or_else(|| AppError::internal("a stored object key is malformed"))?;
        let extension = r
            .file_name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.len() <= 5)
            .unwrap_or("audio");
        let name = format!("{}.{extension}", r.title);
        let content_type = r.content_type.as_deref().unwrap_or("application/octet-stream");
        let url = state
            .storage
            .download_url(&key, &name, content_type, false, MEDIA_URL_TTL)
            .await
            .map_err(AppError::from)?;
        let location = HeaderValue::from_str(&url).map_err(AppError::internal)?;
        Ok::<_, AppError>(
            (
                StatusCode::TEMPORARY_REDIRECT,
                [
                    (header::LOCATION, location),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
                ],
            )
                .into_response(),
        )
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

type HmacSha256 = Hmac<Sha256>;

fn unlock_mac(state: &AppState, link: Uuid, expires: i64, password_hash: &str) -> Option<HmacSha256> {
    let key = state.secrets.as_deref()?.derive("public-link-unlock");
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).ok()?;
    // Bound to the password's hash, so changing or removing the password locks old browsers out.
    for part in [link.to_string().as_str(), &expires.to_string(), password_hash] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    Some(mac)
}

/// The cookie that remembers a correct password for one link.
pub fn unlock_cookie_name(link: Uuid) -> String {
    format!("at_link_{}", link.simple())
}

fn unlocked(state: &AppState, link: &Link, cookies: &str) -> bool {
    let Some(hash) = &link.password_hash else {
        return true;
    };
    let name = unlock_cookie_name(link.id);
    let Some(value) = cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
    else {
        return false;
    };
    let Some((expires, sig)) = value.split_once('.') else {
        return false;
    };
    let (Ok(expires), Some(sig)) = (expires.parse::<i64>(), decode_hex(sig)) else {
        return false;
    };
    expires > OffsetDateTime::now_utc().unix_timestamp()
        && unlock_mac(state, link.id, expires, hash).is_some_and(|mac| mac.verify_slice(&sig).is_ok())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Opens a public link for a visitor: their view of its resource (counted), a request for the
/// password, or why it shows nothing.
pub async fn open(state: &AppState, token: &str, cookies: &str) -> Result<PublicView, AppError> {
    let (link, mut tx) = match find(state, token).await? {
        Ok(found) => found,
        Err(why) => return Ok(PublicView::Gone(why)),
    };
    if !unlocked(state, &link, cookies) {
        return Ok(PublicView::Locked);
    }
    let Some(recording) = shared_recording(&mut tx, &link).await? else {
        return Ok(PublicView::Gone(NO_LONGER.into()));
    };
    let (transcript, summary) = crate::transcription::store::transcript(&mut tx, link.resource_id).await?;
    let view = SharedResource::Recording(PublicRecording {
        title: recording.title,
        duration_ms: recording.duration_ms,
        format: recording.format,
        uploaded_at: format_time(recording.created_at),
        play_url: Some(format!("/s/{token}/media")),
        link_expires_at: link.expires_at.map(format_time),
        transcript,
        summary,
    });
    sqlx::query!(
        "update public_links set view_count = view_count + 1, last_viewed_at = now() where id = $1",
        link.id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(PublicView::Open(view))
}

/// Checks a link's password; on success returns the `Set-Cookie` value that keeps it open in this
/// browser for a while. Guesses are limited per address and per link.
pub async fn unlock(state: &AppState, token: &str, guess: &str, ip: Option<IpAddr>) -> Result<String, AppError> {
    let (link, tx) = find(state, token)
        .await?
        .map_err(|_| AppError::NotFound("That link".into()))?;
    tx.commit().await?;
    let Some(hash) = link.password_hash.clone() else {
        return Err(AppError::Conflict("This link has no password.".into()));
    };
    let address = ip
        .map(crate::server::rate_limit::client_key)
        .unwrap_or_else(|| "unknown".into());
    for (bucket, limit) in [
        (format!("link-password:{}:{address}", link.id), GUESSES_PER_ADDRESS),
        (format!("link-password:{}", link.id), GUESSES_PER_LINK),
    ] {
        state
            .rate_limiter
            .hit(&bucket, limit, GUESS_WINDOW)
            .await
            .map_err(|wait| AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            })?;
    }
    if guess.is_empty()
        || guess.len() > 1024
        || !password::verify(Some(hash.clone()), guess.to_owned())
            .await
            .map_err(AppError::internal)?
    {
        return Err(AppError::invalid_field("password", "That password is not right."));
    }
    let expires = OffsetDateTime::now_utc().unix_timestamp() + UNLOCK_TTL_SECS;
    let mac = unlock_mac(state, link.id, expires, &hash)
        .ok_or_else(|| AppError::Unavailable("Public links need MASTER_KEY to be configured on the server.".into()))?;
    let sig: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let secure = if state.config.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    Ok(format!(
        "{}={expires}.{sig}; Path=/; Max-Age={UNLOCK_TTL_SECS}; HttpOnly; SameSite=Lax{secure}",
        unlock_cookie_name(link.id)
    ))
}
