//! What pages do with a recording's transcription: read it, cancel it, run it again with another
//! engine, or summarise it in another style. Each checks one permission on the recording (from
//! the role or a share of it) and is audited.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{pipeline, store, summary::SummaryStyle, EngineChoice, TranscriptView};
use crate::{
    accounts::session::RequestAuth,
    audit::{self, Actor, AuditAction, AuditEvent},
    error::AppError,
    providers::{service::key_available, Provider},
    sharing::service::{authorize_resource, Resource},
    workspaces::{service::Access, Permission},
};

fn recording_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That recording".into()))
}

fn audit_on(access: &Access, auth: &RequestAuth, action: AuditAction, id: Uuid) -> AuditEvent {
    AuditEvent::new(Actor::User(access.user.id), action)
        .target("recording", id.to_string())
        .workspace(access.workspace.id)
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
}

async fn openai_available(conn: &mut PgConnection, auth: &RequestAuth) -> Result<bool, AppError> {
    Ok(key_available(conn, &auth.state.config.providers, Provider::OpenAi).await?)
}

pub async fn view(auth: &RequestAuth, slug: &str, id: &str) -> Result<TranscriptView, AppError> {
    let id = recording_id(id)?;
    let (access, share, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsRead).await?;
    let recording = sqlx::query!(
        "select status, duration_ms, deleted_at is not null as \"in_trash!\" from recordings where id = $1",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That recording".into()))?;
    let has_audio = recording.status != "imported";
    let can_speak = !recording.in_trash && access.can(Permission::TranscriptsCreate);
    let can_cut = recording.status == "ready" && can_speak;
    let state = store::state(&mut tx, id).await?;
    let (transcript, summary) = store::transcript(&mut tx, id).await?;
    let can_run =
        access.can(Permission::TranscriptsEdit) || share.is_some_and(|s| s.grants(Permission::TranscriptsEdit));
    let openai_available = openai_available(&mut tx, auth).await?;
    let elevenlabs_available = key_available(&mut tx, &auth.state.config.providers, Provider::ElevenLabs).await?;
    tx.commit().await?;
    Ok(TranscriptView {
        state,
        transcript,
        summary,
        can_run,
        openai_available,
        has_audio,
        can_cut,
        duration_ms: recording.duration_ms,
        elevenlabs_available,
        can_speak,
    })
}

struct Current {
    title: String,
    /// Checked (or imported), outside the trash.
    ready: bool,
    /// There is audio to transcribe (an imported transcript has none).
    has_audio: bool,
    stage: Option<String>,
    job_id: Option<Uuid>,
}

async fn current(conn: &mut PgConnection, id: Uuid) -> Result<Current, AppError> {
    let row = sqlx::query!(
        "select r.title, r.status in ('ready', 'imported') and r.deleted_at is null as \"ready!\",
                r.status = 'ready' as \"has_audio!\", t.stage as \"stage?\", t.job_id
         from recordings r left join transcriptions t on t.recording_id = r.id
         where r.id = $1 for update of r",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::NotFound("That recording".into()))?;
    Ok(Current {
        title: row.title,
        ready: row.ready,
        has_audio: row.has_audio,
        stage: row.stage,
        job_id: row.job_id,
    })
}

fn is_active(stage: Option<&str>) -> bool {
    stage
        .and_then(super::Stage::from_key)
        .is_some_and(super::Stage::is_active)
}

pub async fn cancel(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let id = recording_id(id)?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let now = current(&mut tx, id).await?;
    if !is_active(now.stage.as_deref()) {
        return Err(AppError::Conflict(
            "There is no transcription under way to cancel.".into(),
        ));
    }
    if let Some(job) = now.job_id {
        crate::server::jobs::cancel(&mut tx, job).await?;
    }
    sqlx::query!(
        "update transcriptions set stage = 'cancelled', error = null, finished_at = now() where recording_id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    // An edit cancelled before its audio was made stays listed, saying so, like a refused upload.
    sqlx::query!(
        "update recordings set status = 'rejected', rejection = 'This edit was cancelled before its audio was made.'
         where id = $1 and status = 'rendering'",
        id
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::TranscriptionCancelled, id)
            .metadata(serde_json::json!({ "title": now.title })),
    )
    .await?;
    tx.commit().await?;
    Ok("Transcription cancelled.".into())
}

pub async fn transcribe_again(auth: &RequestAuth, slug: &str, id: &str, engine: &str) -> Result<String, AppError> {
    let id = recording_id(id)?;
    let engine = EngineChoice::from_key(engine)
        .ok_or_else(|| AppError::invalid_field("engine", "Choose one of the engines offered."))?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let now = current(&mut tx, id).await?;
    if !now.ready || !now.has_audio {
        return Err(AppError::Conflict(
            if now.ready {
                "This transcript was imported without its audio, so there is nothing to transcribe again."
            } else {
                "Only a checked recording that is not in the trash can be transcribed."
            }
            .into(),
        ));
    }
    if is_active(now.stage.as_deref()) {
        return Err(AppError::Conflict(
            "It is being transcribed now; cancel that first to start again.".into(),
        ));
    }
    if engine == EngineChoice::OpenAi && !openai_available(&mut tx, auth).await? {
        return Err(AppError::invalid_field(
            "engine",
            "There is no OpenAI key yet: a workspace admin can add one on the API keys page.",
        ));
    }
    let style = sqlx::query_scalar!(
        "select summary_style from workspaces where id = $1",
        access.workspace.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let style = SummaryStyle::from_key(&style).unwrap_or(SummaryStyle::Brief);
    pipeline::queue(&mut tx, access.workspace.id, id, engine, style).await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::TranscriptionRequested, id)
            .metadata(serde_json::json!({ "title": now.title, "engine": engine.key() })),
    )
    .await?;
    tx.commit().await?;
    Ok("Transcription queued.".into())
}

pub async fn resummarise(auth: &RequestAuth, slug: &str, id: &str, style: &str) -> Result<String, AppError> {
    let id = recording_id(id)?;
    let style = SummaryStyle::from_key(style)
        .ok_or_else(|| AppError::invalid_field("style", "Choose one of the summary styles offered."))?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let now = current(&mut tx, id).await?;
    if is_active(now.stage.as_deref()) {
        return Err(AppError::Conflict(
            "Wait for the transcription under way to finish.".into(),
        ));
    }
    let has_transcript = sqlx::query_scalar!(
        "select exists (select 1 from transcripts where recording_id = $1) as \"e!\"",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if !has_transcript || !now.ready {
        return Err(AppError::Conflict("There is no transcript to summarise yet.".into()));
    }
    pipeline::queue_summary(&mut tx, access.workspace.id, id, style).await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::TranscriptionRequested, id)
            .metadata(serde_json::json!({ "title": now.title, "summary_style": style.key() })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("A new {} summary is on its way.", style.label().to_lowercase()))
}
