//! Recordings the server makes from another one (an edit with passages cut, a read-aloud): who
//! may ask, and the new recording, listed at once as being made while its job runs.

use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::{
    accounts::session::RequestAuth,
    error::AppError,
    server::jobs::{self, NewJob},
    sharing::service::{authorize_resource, Resource},
    storage::keys::ObjectKey,
    workspaces::{service::Access, Permission},
};

/// Whoever makes a recording from `source` adds recordings to the workspace and may read the
/// source (by role or by a share of it).
pub async fn authorize_source(
    auth: &RequestAuth,
    slug: &str,
    source: &str,
) -> Result<(Access, Uuid, Transaction<'static, Postgres>), AppError> {
    let source: Uuid = source
        .parse()
        .map_err(|_| AppError::NotFound("That recording".into()))?;
    let (access, _, tx) =
        authorize_resource(auth, slug, Resource::Recording(source), Permission::TranscriptsRead).await?;
    if !access.can(Permission::TranscriptsCreate) {
        return Err(AppError::Forbidden);
    }
    Ok((access, source, tx))
}

/// "standup.wav" → "standup"
pub fn stem(file_name: &str) -> &str {
    file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem)
}

/// What a new made recording is called and how long it should be.
pub struct Made<'a> {
    pub id: Uuid,
    pub title: &'a str,
    pub file_name: &'a str,
    pub duration_ms: Option<i64>,
    pub summary_style: &'a str,
}

/// Lists the new recording as being made (status `rendering`) and queues `job`, whose progress
/// shows as its transcription's "Preparing audio".
pub async fn start(conn: &mut PgConnection, access: &Access, made: Made<'_>, job: NewJob) -> Result<(), AppError> {
    let title: String = made.title.chars().take(200).collect();
    let file_name: String = made.file_name.chars().take(255).collect();
    let key = ObjectKey::recording(access.workspace.id, made.id);
    sqlx::query!(
        "insert into recordings (id, workspace_id, title, file_name, status, size_bytes, object_key, duration_ms, created_by)
         values ($1, $2, $3, $4, 'rendering', 0, $5, $6, $7)",
        made.id,
        access.workspace.id,
        title,
        file_name,
        key.as_str(),
        made.duration_ms,
        access.user.id
    )
    .execute(&mut *conn)
    .await?;
    let job = jobs::enqueue(&mut *conn, job).await?;
    sqlx::query!(
        "insert into transcriptions (recording_id, workspace_id, stage, percent, job_id, summary_style)
         values ($1, $2, 'queued', 0, $3, $4)",
        made.id,
        access.workspace.id,
        job,
        made.summary_style
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
