//! Signed-in sessions: the tower-sessions layer (cookie + PostgreSQL store), what the session
//! record holds, and the check every request makes against `user_sessions`.

use std::{net::IpAddr, time::Duration};

use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::{cookie::SameSite, Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use super::queries;
use crate::{
    error::AppError,
    server::{client_ip::client_ip, AppState},
};

/// The session record's key for the signed-in user.
const SIGNED_IN: &str = "signed_in";

/// The last-seen time is written at most this often, not on every request.
const TOUCH_EVERY_SECS: f64 = 60.0;

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct SignedIn {
    session_id: Uuid,
    user_id: Uuid,
}

pub fn layer(state: &AppState) -> SessionManagerLayer<PostgresStore> {
    let https = state.config.public_url.is_https();
    // `__Host-` makes browsers refuse the cookie unless it is Secure, host-only and path=/.
    let name = if https {
        "__Host-audiotricks_session"
    } else {
        "audiotricks_session"
    };
    SessionManagerLayer::new(PostgresStore::new(state.db.clone()))
        .with_name(name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https)
        .with_path("/")
}

/// Where a request came from, as recorded on sessions, events and the audit log. The place is
/// looked up only when something records it, not on every request.
#[derive(Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
    geoip: Option<std::sync::Arc<crate::server::geoip::GeoIp>>,
    place: std::sync::OnceLock<Option<crate::server::geoip::Place>>,
}

impl std::fmt::Debug for RequestMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestMeta")
            .field("ip", &self.ip)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts, state: &AppState) -> Self {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(512)
            .collect();
        Self {
            ip: client_ip(peer, &parts.headers, &state.config.trusted_proxies),
            user_agent,
            geoip: Some(state.geoip.clone()),
            place: std::sync::OnceLock::new(),
        }
    }

    fn place(&self) -> Option<&crate::server::geoip::Place> {
        self.place
            .get_or_init(|| self.ip.zip(self.geoip.as_ref()).and_then(|(ip, geo)| geo.locate(ip)))
            .as_ref()
    }

    /// "Sydney, New South Wales, AU", or empty when unknown.
    pub fn location(&self) -> String {
        self.place().map(|p| p.label.clone()).unwrap_or_default()
    }

    pub fn country(&self) -> Option<String> {
        self.place().and_then(|p| p.country.clone())
    }

    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

/// The signed-in user behind a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: Uuid,
    pub session_id: Uuid,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub is_platform_admin: bool,
}

/// The session, its user (if any and still valid) and the request's origin, for server functions.
pub struct RequestAuth {
    pub state: AppState,
    pub session: Session,
    pub meta: RequestMeta,
    pub user: Option<CurrentUser>,
}

impl RequestAuth {
    /// Reads everything from the server function's request context.
    pub async fn load() -> Result<Self, AppError> {
        let state = crate::server::app_state()?;
        let parts = leptos::prelude::use_context::<Parts>().ok_or_else(|| AppError::internal("no request parts"))?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::internal("session layer missing"))?;
        let meta = RequestMeta::from_parts(&parts, &state);
        let user = authenticate(&state, &session, &meta).await?;
        Ok(Self {
            state,
            session,
            meta,
            user,
        })
    }

    /// For a plain axum route: the signed-in user, or `Unauthorized`.
    pub async fn signed_in(state: &AppState, session: Session, parts: &Parts) -> Result<Self, AppError> {
        let meta = RequestMeta::from_parts(parts, state);
        let user = authenticate(state, &session, &meta)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            state: state.clone(),
            session,
            meta,
            user: Some(user),
        })
    }

    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }
}

/// The session's user when its `user_sessions` row is live: not revoked, not past its lifetime,
/// not idle too long, and the account not locked. Anything else ends the session here.
pub async fn authenticate(
    state: &AppState,
    session: &Session,
    meta: &RequestMeta,
) -> Result<Option<CurrentUser>, AppError> {
    let signed_in = match session.get::<SignedIn>(SIGNED_IN).await {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(None),
        Err(e) => return Err(AppError::internal(format!("reading the session: {e}"))),
    };
    let idle = state.config.auth.session_idle;
    let row = queries::session_user(&state.db, signed_in.session_id, signed_in.user_id, idle).await?;
    let Some(row) = row.filter(|r| !(r.revoked || r.expired || r.idle || r.locked)) else {
        end_stale(state, session, signed_in).await?;
        return Ok(None);
    };
    if row.seen_secs_ago > TOUCH_EVERY_SECS {
        queries::touch_session(&state.db, row.session_id, meta.ip_text()).await?;
    }
    Ok(Some(CurrentUser {
        id: row.user_id,
        session_id: row.session_id,
        email: row.email,
        name: row.name,
        email_verified: row.email_verified,
        is_platform_admin: row.is_platform_admin,
    }))
}

/// A session that failed its check: record why (if it was still open) and drop the cookie's record.
async fn end_stale(state: &AppState, session: &Session, signed_in: SignedIn) -> Result<(), AppError> {
    let mut conn = state.db.acquire().await?;
    queries::revoke_session(&mut conn, signed_in.user_id, signed_in.session_id, "expired").await?;
    session
        .flush()
        .await
        .map_err(|e| AppError::internal(format!("ending a session: {e}")))
}

/// Starts a signed-in session: a fresh session id (no fixation), the record pointing at the new
/// `user_sessions` row, and a cookie that lives as long as the session may.
pub async fn start(session: &Session, session_id: Uuid, user_id: Uuid, lifetime: Duration) -> Result<(), AppError> {
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::internal(format!("rotating the session id: {e}")))?;
    session
        .insert(SIGNED_IN, SignedIn { session_id, user_id })
        .await
        .map_err(|e| AppError::internal(format!("writing the session: {e}")))?;
    let until = time::OffsetDateTime::now_utc() + lifetime;
    session.set_expiry(Some(Expiry::AtDateTime(until)));
    Ok(())
}

/// Rotates the session id while keeping the user signed in (after a privilege change).
pub async fn rotate(session: &Session) -> Result<(), AppError> {
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::internal(format!("rotating the session id: {e}")))
}

/// Forgets the session entirely (its record is deleted from the store).
pub async fn end(session: &Session) -> Result<(), AppError> {
    session
        .flush()
        .await
        .map_err(|e| AppError::internal(format!("ending a session: {e}")))
}
