//! The pipeline: jobs that take a ready recording through preparing audio, transcribing and
//! summarising. Each stage is written to `transcriptions` (a trigger announces it; pages follow
//! live). A job only writes while it is the recording's current job, so a cancelled or superseded
//! run never overwrites a newer one.
//!
//! The jobs: `local` (whisper.cpp), `remote` (an OpenAI-compatible service) and `summarise`.

mod local;
mod made;
mod remote;
mod render;
mod speak;
mod summarise;

pub use local::TranscribeLocally;
pub use remote::{TranscribeRemotely, PIECE_SECONDS};
pub use render::{RenderEdit, RENDER_QUEUE};
pub use speak::Speak;
pub use summarise::Summarise;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{
    chat::ChatSummariser,
    openai::{OpenAiEngine, MAX_UPLOAD_BYTES},
    store,
    summary::SummaryStyle,
    EngineChoice, EngineError, TranscriptDraft,
};
use crate::{
    audit::{self, Actor, AuditAction, AuditEvent},
    server::{
        jobs::{self, JobContext, JobError, JobId, NewJob, Registry},
        secrets::SecretBox,
    },
    storage::{keys::ObjectKey, Store},
    usage::{self, UsageEvent},
    workspaces::tenant,
};

/// The queue of local transcriptions, which run one at a time: whisper.cpp collapses when it
/// competes for cores.
pub const LOCAL_QUEUE: &str = "transcription_local";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TranscriptionPayload {
    pub workspace_id: Uuid,
    pub recording_id: Uuid,
}

/// Queues a transcription (then a summary) of a ready recording, replacing any earlier one's
/// state. Runs in the caller's transaction, inside the workspace's tenant context.
pub async fn queue(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    recording_id: Uuid,
    engine: EngineChoice,
    style: SummaryStyle,
) -> Result<JobId, sqlx::Error> {
    let payload = TranscriptionPayload {
        workspace_id,
        recording_id,
    };
    let job = match engine {
        EngineChoice::Local => NewJob::of::<TranscribeLocally>(&payload),
        EngineChoice::OpenAi => NewJob::of::<TranscribeRemotely>(&payload),
    };
    let job_id = jobs::enqueue(conn, job).await?;
    set_queued(conn, workspace_id, recording_id, job_id, engine, style).await?;
    Ok(job_id)
}

/// Queues a new summary of the current transcript in another style.
pub async fn queue_summary(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    recording_id: Uuid,
    style: SummaryStyle,
) -> Result<JobId, sqlx::Error> {
    let payload = TranscriptionPayload {
        workspace_id,
        recording_id,
    };
    let job_id = jobs::enqueue(conn, NewJob::of::<Summarise>(&payload)).await?;
    sqlx::query!(
        "update transcriptions set stage = 'summarising', percent = 0, error = null, job_id = $2,
                summary_style = $3, finished_at = null
         where recording_id = $1",
        recording_id,
        job_id,
        style.key()
    )
    .execute(&mut *conn)
    .await?;
    Ok(job_id)
}

async fn set_queued(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    recording_id: Uuid,
    job_id: JobId,
    engine: EngineChoice,
    style: SummaryStyle,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into transcriptions (recording_id, workspace_id, stage, percent, job_id, requested_engine, summary_style)
         values ($1, $2, 'queued', 0, $3, $4, $5)
         on conflict (recording_id) do update
         set stage = 'queued', percent = 0, error = null, job_id = $3, requested_engine = $4,
             summary_style = $5, started_at = null, finished_at = null",
        recording_id,
        workspace_id,
        job_id,
        engine.key(),
        style.key()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves this job's transcription to `stage`; false when the job is no longer the recording's
/// current one (cancelled, or replaced by a newer request), which then stops.
async fn set_stage(
    pool: &PgPool,
    p: &TranscriptionPayload,
    job: JobId,
    stage: &str,
    percent: i16,
) -> Result<bool, JobError> {
    let mut tx = pool.begin().await?;
    tenant::as_system(&mut tx, p.workspace_id).await?;
    let updated = sqlx::query!(
        "update transcriptions set stage = $3, percent = $4,
                started_at = coalesce(started_at, now())
         where recording_id = $1 and job_id = $2 and stage not in ('cancelled', 'failed', 'done')",
        p.recording_id,
        job,
        stage,
        percent
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(updated)
}

/// Writes a run's percent to the transcription's `stage` at most once a second until it ends.
async fn follow_progress<T: Send + 'static>(
    ctx: &JobContext,
    p: &TranscriptionPayload,
    stage: &str,
    mut run: tokio::task::JoinHandle<T>,
    progress: &mut tokio::sync::watch::Receiver<i32>,
) -> Result<T, JobError> {
    let mut written = (0, Instant::now());
    loop {
        tokio::select! {
            done = &mut run => return done.map_err(JobError::retryable),
            changed = progress.changed() => {
                if changed.is_err() {
                    return (&mut run).await.map_err(JobError::retryable);
                }
                let percent = (*progress.borrow_and_update()).clamp(0, 100);
                if percent != written.0 && written.1.elapsed() >= Duration::from_secs(1) {
                    set_stage(&ctx.pool, p, ctx.id, stage, percent as i16).await?;
                    written = (percent, Instant::now());
                }
            }
        }
    }
}

/// Whether `job` is still the recording's unfinished run, locking its row until the caller's
/// transaction ends (so a cancel waits for the run's last write, or the write sees the cancel).
async fn still_current(conn: &mut PgConnection, p: &TranscriptionPayload, job: JobId) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "select 1 as \"one!\" from transcriptions
         where recording_id = $1 and job_id = $2 and stage not in ('cancelled', 'failed', 'done') for update",
        p.recording_id,
        job
    )
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// Ends this job's transcription as failed with `reason` (in words for the uploader).
async fn set_failed(pool: &PgPool, p: &TranscriptionPayload, job: JobId, reason: &str) -> Result<(), JobError> {
    let mut tx = pool.begin().await?;
    tenant::as_system(&mut tx, p.workspace_id).await?;
    mark_failed(&mut tx, p, job, reason).await?;
    tx.commit().await?;
    Ok(())
}

/// `set_failed` on the caller's transaction (in the workspace's tenant context).
async fn mark_failed(
    conn: &mut PgConnection,
    p: &TranscriptionPayload,
    job: JobId,
    reason: &str,
) -> Result<(), JobError> {
    let title = sqlx::query_scalar!(
        "update transcriptions t set stage = 'failed', error = $3, finished_at = now()
         from recordings r
         where t.recording_id = $1 and t.job_id = $2 and r.id = t.recording_id
           and t.stage not in ('cancelled', 'failed', 'done')
         returning r.title",
        p.recording_id,
        job,
        reason
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(title) = title {
        let event = AuditEvent::new(Actor::System, AuditAction::TranscriptionFinished)
            .target("recording", p.recording_id.to_string())
            .workspace(p.workspace_id)
            .metadata(serde_json::json!({ "title": title, "outcome": "failed", "reason": reason }));
        audit::service::record(&mut *conn, event).await?;
    }
    Ok(())
}

/// Why a run is over for good, in words: a permanent failure, or a transient one on the last
/// attempt. None while another attempt will come (or it went well).
fn given_up(ctx: &JobContext, max_attempts: i32, what: &str, outcome: &Result<(), JobError>) -> Option<String> {
    match outcome {
        Err(JobError::Permanent(reason)) => Some(reason.clone()),
        Err(JobError::Retryable(reason)) if ctx.attempt >= max_attempts => {
            Some(format!("{what} kept failing and was given up: {reason}"))
        }
        _ => None,
    }
}

/// Turns the last word of a run into the transcription's state: a permanent failure (or a
/// transient one on the last attempt) is shown as failed with its reason.
async fn settle(
    ctx: &JobContext,
    p: &TranscriptionPayload,
    max_attempts: i32,
    outcome: Result<(), JobError>,
) -> Result<(), JobError> {
    if let Some(reason) = given_up(ctx, max_attempts, "The transcription", &outcome) {
        set_failed(&ctx.pool, p, ctx.id, &reason).await?;
    }
    outcome
}

fn engine_error(e: EngineError) -> JobError {
    match e {
        EngineError::Transient { message, .. } => JobError::Retryable(message),
        EngineError::Permanent(message) => JobError::Permanent(message),
    }
}

/// What the job needs to know about the recording it transcribes.
struct Work {
    object_key: ObjectKey,
    container: Option<String>,
    language: Option<String>,
    style: SummaryStyle,
}

/// Loads the recording; None when there is nothing to do (deleted, or not this job's any more).
async fn begin(ctx: &JobContext, p: &TranscriptionPayload) -> Result<Option<Work>, JobError> {
    let mut tx = ctx.pool.begin().await?;
    tenant::as_system(&mut tx, p.workspace_id).await?;
    let row = sqlx::query!(
        "select r.object_key, r.format, t.summary_style, w.default_language
         from recordings r
         join transcriptions t on t.recording_id = r.id
         join workspaces w on w.id = r.workspace_id
         where r.id = $1 and r.status = 'ready' and r.deleted_at is null and t.job_id = $2
           and t.stage not in ('cancelled', 'failed', 'done')",
        p.recording_id,
        ctx.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else { return Ok(None) };
    if !set_stage(&ctx.pool, p, ctx.id, "preparing", 0).await? {
        return Ok(None);
    }
    Ok(Some(Work {
        object_key: ObjectKey::parse(&row.object_key).ok_or_else(|| JobError::permanent("malformed object key"))?,
        container: row.format,
        language: Some(row.default_language).filter(|l| l != "auto"),
        style: SummaryStyle::from_key(&row.summary_style).unwrap_or(SummaryStyle::Brief),
    }))
}

/// Stores the transcript (a new version replacing the old text), records the audio seconds used,
/// and queues the summary: one transaction.
async fn finish(
    ctx: &JobContext,
    p: &TranscriptionPayload,
    draft: TranscriptDraft,
    engine: &str,
    style: SummaryStyle,
) -> Result<(), JobError> {
    let mut tx = ctx.pool.begin().await?;
    tenant::as_system(&mut tx, p.workspace_id).await?;
    if !still_current(&mut tx, p, ctx.id).await? {
        return Ok(());
    }
    store_transcript(&mut tx, p, &draft, engine).await?;
    let seconds = draft.duration_ms.unwrap_or(0).div_euclid(1000).max(0);
    usage::record(
        &mut tx,
        UsageEvent {
            workspace: p.workspace_id,
            kind: "transcription.audio",
            quantity: seconds,
            unit: "seconds",
            idempotency_key: format!("transcription:{}", ctx.id),
            metadata: serde_json::json!({ "recording": p.recording_id, "engine": engine }),
        },
    )
    .await?;
    let summary_job = jobs::enqueue(&mut tx, NewJob::of::<Summarise>(p)).await?;
    sqlx::query!(
        "update transcriptions set stage = 'summarising', percent = 0, engine = $2, job_id = $3, summary_style = $4
         where recording_id = $1",
        p.recording_id,
        engine,
        summary_job,
        style.key()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn store_transcript(
    conn: &mut PgConnection,
    p: &TranscriptionPayload,
    draft: &TranscriptDraft,
    engine: &str,
) -> Result<(), sqlx::Error> {
    let transcript_id = sqlx::query_scalar!(
        "insert into transcripts (id, workspace_id, recording_id, language, engine, text)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (recording_id) do update
         set version = transcripts.version + 1, language = $4, engine = $5, text = $6
         returning id",
        Uuid::new_v4(),
        p.workspace_id,
        p.recording_id,
        draft.language,
        engine,
        draft.text
    )
    .fetch_one(&mut *conn)
    .await?;
    store::replace_segments(&mut *conn, p.workspace_id, transcript_id, &draft.segments, &[]).await?;
    crate::transcription::editing::keep_version(&mut *conn, transcript_id, "transcribed", None).await?;
    Ok(())
}

/// The pipeline's jobs, with the local model loaded on first use and kept.
pub fn register(
    registry: Registry,
    store: Arc<Store>,
    config: &crate::server::Config,
    secrets: Option<Arc<SecretBox>>,
) -> anyhow::Result<Registry> {
    let providers = config.providers.clone();
    let engine = Arc::new(OpenAiEngine::new(
        &providers.openai_base_url,
        &providers.openai_transcription_model,
    )?);
    let chat = match &providers.openai_chat_model {
        Some(model) => Some(Arc::new(ChatSummariser::new(&providers.openai_base_url, model)?)),
        None => None,
    };
    let render_store = store.clone();
    let (providers_for_speech, secrets_for_speech) = (config.providers.clone(), secrets.clone());
    Ok(registry
        .register(TranscribeLocally {
            store: store.clone(),
            config: config.transcription.clone(),
            engine: Arc::new(OnceCell::new()),
        })
        .register(TranscribeRemotely {
            store,
            providers: providers.clone(),
            secrets: secrets.clone(),
            engine,
            max_upload_bytes: MAX_UPLOAD_BYTES,
            piece_seconds: PIECE_SECONDS,
        })
        .register(Summarise {
            providers,
            secrets,
            chat,
        })
        .register(RenderEdit {
            store: render_store.clone(),
        })
        .register(Speak {
            store: render_store,
            providers: providers_for_speech,
            secrets: secrets_for_speech,
        }))
}
