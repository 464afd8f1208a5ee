//! Live progress. One LISTEN connection per process hears the database announce each change to a
//! transcription and fans it out to Server-Sent Event streams, one per open page:
//! `GET /w/{slug}/live/transcriptions` (the workspace's, for its library) or with
//! `?recording={id}` (one recording, for its page; a share of it is enough).

use std::time::Duration;

use axum::{
    extract::{Path, Query, State},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::{broadcast, OnceCell};
use tower_sessions::Session;
use uuid::Uuid;

use crate::{
    accounts::session::RequestAuth,
    error::AppError,
    server::AppState,
    sharing::service::{authorize_resource, Resource},
    workspaces::{service::authorize, tenant, Permission},
};

const CHANNEL: &str = "transcription_progress";
/// A stream ends after this long and the browser reconnects, which checks access again.
const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// Announcements of (workspace, recording), from the one listener to every open stream.
pub struct LiveHub {
    sender: broadcast::Sender<(Uuid, Uuid)>,
    listening: OnceCell<()>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
            listening: OnceCell::new(),
        }
    }
}

impl LiveHub {
    /// Starts the listener on first use; sqlx's listener reconnects by itself when the
    /// connection drops.
    pub async fn subscribe(&self, pool: &PgPool) -> Result<broadcast::Receiver<(Uuid, Uuid)>, sqlx::Error> {
        self.listening
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                let sender = self.sender.clone();
                tokio::spawn(async move {
                    loop {
                        match listener.recv().await {
                            Ok(note) => {
                                if let Some((w, r)) = note.payload().split_once(':') {
                                    if let (Ok(w), Ok(r)) = (w.parse(), r.parse()) {
                                        let _ = sender.send((w, r));
                                    }
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "transcription progress listener failed; retrying");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                        }
                    }
                });
                Ok::<(), sqlx::Error>(())
            })
            .await?;
        Ok(self.sender.subscribe())
    }
}

#[derive(Deserialize)]
pub struct LiveQuery {
    recording: Option<String>,
}

pub async fn stream_progress(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<LiveQuery>,
    session: Session,
    request: axum::extract::Request,
) -> Response {
    match open(state, slug, query, session, request).await {
        Ok(sse) => sse.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn open(
    state: AppState,
    slug: String,
    query: LiveQuery,
    session: Session,
    request: axum::extract::Request,
) -> Result<Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>>, AppError> {
    let (parts, _) = request.into_parts();
    let auth = RequestAuth::signed_in(&state, session, &parts).await?;
    // The page may have loaded just before a change, so a stream starts with the states it may
    // have missed: its recording's, or the workspace's recent and unfinished ones.
    let receiver = state.live.subscribe(&state.db).await?;
    let (workspace, recording, first) = match &query.recording {
        Some(id) => {
            let id: Uuid = id.parse().map_err(|_| AppError::NotFound("That recording".into()))?;
            let (access, _, tx) =
                authorize_resource(&auth, &slug, Resource::Recording(id), Permission::TranscriptsRead).await?;
            tx.commit().await?;
            (access.workspace.id, Some(id), vec![(access.workspace.id, id)])
        }
        None => {
            let (access, mut tx) = authorize(&auth, &slug, Permission::TranscriptsRead).await?;
            let recent = sqlx::query_scalar!(
                "select recording_id from transcriptions
                 where stage in ('queued', 'preparing', 'transcribing', 'summarising')
                    or updated_at > now() - interval '5 minutes'
                 order by updated_at desc limit 100"
            )
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let w = access.workspace.id;
            (w, None, recent.into_iter().map(|r| (w, r)).collect())
        }
    };
    let deadline = tokio::time::Instant::now() + STREAM_LIFETIME;
    let pool = state.db.clone();
    let events = stream::unfold((receiver, first), move |(mut receiver, mut first)| {
        let pool = pool.clone();
        async move {
            let (w, r) = match first.pop() {
                Some(pair) => pair,
                None => loop {
                    let next = tokio::time::timeout_at(deadline, receiver.recv()).await.ok()?;
                    match next {
                        Ok((w, r)) if w == workspace && recording.is_none_or(|id| id == r) => break (w, r),
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                },
            };
            let event = match current_state(&pool, w, r).await {
                Ok(Some(s)) => Event::default().event("progress").json_data(&s).ok(),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "reading a transcription's state for a live page");
                    None
                }
            };
            let event = event.unwrap_or_else(|| Event::default().comment("nothing new"));
            Some((Ok(event), (receiver, first)))
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

async fn current_state(
    pool: &PgPool,
    workspace: Uuid,
    recording: Uuid,
) -> Result<Option<super::TranscriptionState>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    tenant::as_system(&mut tx, workspace).await?;
    let state = super::store::state(&mut tx, recording).await?;
    tx.commit().await?;
    Ok(state)
}
