//! The pipeline: jobs that take a ready recording through preparing audio, transcribing and
//! summarising. Each stage is written to `transcriptions` (a trigger announces it; pages follow
//! live). A job only writes while it is the recording's current job, so a cancelled or superseded
//! run never overwrites a newer one.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{
    audio::{self, RATE},
    chat::ChatSummariser,
    local::LocalEngine,
    openai::{OpenAiEngine, MAX_UPLOAD_BYTES},
    pieces,
    summary::{self, Summary, SummaryStyle},
    EngineChoice, EngineError, TranscriptDraft,
};
use crate::{
    audit::{self, Actor, AuditAction, AuditEvent},
    providers::{service::key_for, Provider},
    server::{
        config::{ProvidersConfig, TranscriptionConfig},
        jobs::{self, Job, JobContext, JobError, JobId, NewJob, Registry},
        secrets::SecretBox,
    },
    storage::{keys::ObjectKey, Store},
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

/// Ends this job's transcription as failed with `reason` (in words for the uploader).
async fn set_failed(pool: &PgPool, p: &TranscriptionPayload, job: JobId, reason: &str) -> Result<(), JobError> {
    let mut tx = pool.begin().await?;
    tenant::as_system(&mut tx, p.workspace_id).await?;
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
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(title) = title {
        let event = AuditEvent::new(Actor::System, AuditAction::TranscriptionFinished)
            .target("recording", p.recording_id.to_string())
            .workspace(p.workspace_id)
            .metadata(serde_json::json!({ "title": title, "outcome": "failed", "reason": reason }));
        audit::service::record(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Turns the last word of a run into the transcription's state: a permanent failure (or a
/// transient one on the last attempt) is shown as failed with its reason.
async fn settle(
    ctx: &JobContext,
    p: &TranscriptionPayload,
    max_attempts: i32,
    outcome: Result<(), JobError>,
) -> Result<(), JobError> {
    let reason = match &outcome {
        Err(JobError::Permanent(reason)) => Some(reason.clone()),
        Err(JobError::Retryable(reason)) if ctx.attempt >= max_attempts => {
            Some(format!("The transcription kept failing and was given up: {reason}"))
        }
        _ => None,
    };
    if let Some(reason) = reason {
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
    let current = sqlx::query_scalar!(
        "select 1 as \"one!\" from transcriptions
         where recording_id = $1 and job_id = $2 and stage not in ('cancelled', 'failed', 'done') for update",
        p.recording_id,
        ctx.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if current.is_none() {
        return Ok(());
    }
    store_transcript(&mut tx, p, &draft, engine).await?;
    let seconds = draft.duration_ms.unwrap_or(0).div_euclid(1000).max(0);
    count_usage(
        &mut tx,
        p.workspace_id,
        ("transcription.audio", seconds, "seconds"),
        format!("transcription:{}", ctx.id),
        serde_json::json!({ "recording": p.recording_id, "engine": engine }),
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

/// A `usage_events` entry (kind, quantity, unit), counted once per idempotency key.
async fn count_usage(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    (kind, quantity, unit): (&str, i64, &str),
    idempotency_key: String,
    metadata: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into usage_events (workspace_id, kind, quantity, unit, idempotency_key, metadata)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (workspace_id, idempotency_key) do nothing",
        workspace_id,
        kind,
        quantity,
        unit,
        idempotency_key,
        metadata
    )
    .execute(&mut *conn)
    .await?;
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
    sqlx::query!(
        "delete from transcript_segments where transcript_id = $1",
        transcript_id
    )
    .execute(&mut *conn)
    .await?;
    let positions: Vec<i32> = (0..draft.segments.len() as i32).collect();
    let segment_ids =
        sqlx::query_scalar!(
        "insert into transcript_segments (workspace_id, transcript_id, position, start_ms, end_ms, text, confidence)
         select $1, $2, * from unnest($3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::real[])
         returning id",
        p.workspace_id,
        transcript_id,
        &positions,
        &draft.segments.iter().map(|s| s.start_ms).collect::<Vec<_>>(),
        &draft.segments.iter().map(|s| s.end_ms.max(s.start_ms)).collect::<Vec<_>>(),
        &draft.segments.iter().map(|s| s.text.clone()).collect::<Vec<_>>(),
        &draft.segments.iter().map(|s| s.confidence.map(|c| c.clamp(0.0, 1.0))).collect::<Vec<_>>() as &[Option<f32>]
    )
        .fetch_all(&mut *conn)
        .await?;
    // `returning` keeps the order of the rows inserted, which is the order of `positions`.
    let (mut seg, mut pos, mut start, mut end, mut text, mut confidence) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::<Option<f32>>::new(),
    );
    for (segment_id, segment) in segment_ids.iter().zip(&draft.segments) {
        for (i, word) in segment.words.iter().enumerate() {
            seg.push(*segment_id);
            pos.push(i as i32);
            start.push(word.start_ms.max(0));
            end.push(word.end_ms.max(word.start_ms.max(0)));
            text.push(word.text.clone());
            confidence.push(word.confidence.map(|c| c.clamp(0.0, 1.0)));
        }
    }
    sqlx::query!(
        "insert into transcript_words (workspace_id, segment_id, position, start_ms, end_ms, text, confidence)
         select $1, * from unnest($2::bigint[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::real[])",
        p.workspace_id,
        &seg,
        &pos,
        &start,
        &end,
        &text,
        &confidence as &[Option<f32>]
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Local transcription with whisper.cpp: one at a time (its own queue), the model loaded once.
pub struct TranscribeLocally {
    pub store: Arc<Store>,
    pub config: TranscriptionConfig,
    pub engine: Arc<OnceCell<Arc<LocalEngine>>>,
}

impl Job for TranscribeLocally {
    const KIND: &'static str = "transcription.local";
    const QUEUE: &'static str = LOCAL_QUEUE;
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = TranscriptionPayload;

    async fn run(&self, ctx: JobContext, p: TranscriptionPayload) -> Result<(), JobError> {
        let outcome = self.transcribe(&ctx, &p).await;
        settle(&ctx, &p, Self::MAX_ATTEMPTS, outcome).await
    }
}

impl TranscribeLocally {
    async fn engine(&self) -> Result<Arc<LocalEngine>, JobError> {
        let config = self.config.clone();
        self.engine
            .get_or_try_init(|| async move {
                let path = config.model_path();
                if !path.exists() {
                    return Err(JobError::Permanent(format!(
                        "The local speech model is not installed ({}). `make run` prepares it.",
                        path.display()
                    )));
                }
                tokio::task::spawn_blocking(move || LocalEngine::load(&path, &config.model, config.threads))
                    .await
                    .map_err(JobError::retryable)?
                    .map(Arc::new)
                    .map_err(JobError::Permanent)
            })
            .await
            .cloned()
    }

    async fn transcribe(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<(), JobError> {
        let Some(work) = begin(ctx, p).await? else {
            return Ok(());
        };
        let copy = self
            .store
            .local_copy(&work.object_key)
            .await
            .map_err(JobError::retryable)?;
        let path = copy.path.clone();
        let samples = tokio::task::spawn_blocking(move || audio::decode_16k_mono(&path))
            .await
            .map_err(JobError::retryable)?
            .map_err(JobError::permanent)?;
        drop(copy);
        let engine = self.engine().await?;
        if !set_stage(&ctx.pool, p, ctx.id, "transcribing", 0).await? {
            return Ok(());
        }
        let cancelled = Arc::new(AtomicBool::new(false));
        let _watch_cancel = {
            let (flag, ctx) = (cancelled.clone(), ctx.clone());
            tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
                ctx.cancelled().await;
                flag.store(true, Ordering::Relaxed);
            }))
        };
        let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(0_i32);
        let language = work.language.clone();
        let run = {
            let (engine, cancelled) = (engine.clone(), cancelled.clone());
            tokio::task::spawn_blocking(move || {
                engine.transcribe(
                    &samples,
                    language.as_deref(),
                    move |percent| {
                        let _ = progress_tx.send(percent);
                    },
                    cancelled,
                )
            })
        };
        let draft = follow_progress(ctx, p, run, &mut progress_rx).await?;
        if cancelled.load(Ordering::Relaxed) {
            return Err(JobError::Cancelled);
        }
        let draft = draft.map_err(engine_error)?;
        finish(ctx, p, draft, &engine.name(), work.style).await
    }
}

/// Writes the engine's percent to the transcription at most once a second until the run ends.
async fn follow_progress<T: Send + 'static>(
    ctx: &JobContext,
    p: &TranscriptionPayload,
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
                    set_stage(&ctx.pool, p, ctx.id, "transcribing", percent as i16).await?;
                    written = (percent, Instant::now());
                }
            }
        }
    }
}

/// Transcription by an OpenAI-compatible service with the workspace's key (or the platform's).
pub struct TranscribeRemotely {
    pub store: Arc<Store>,
    pub providers: ProvidersConfig,
    pub secrets: Option<Arc<SecretBox>>,
    pub engine: Arc<OpenAiEngine>,
    /// Larger files go in pieces (the API's cap; tests lower it).
    pub max_upload_bytes: u64,
    pub piece_seconds: usize,
}

/// Containers the OpenAI API takes as they are; others are converted first.
const SENT_AS_IS: &[(&str, &str)] = &[
    ("WAV", "wav"),
    ("MP3", "mp3"),
    ("FLAC", "flac"),
    ("Ogg", "ogg"),
    ("MPEG-4 audio", "m4a"),
    ("WebM", "webm"),
];

/// A piece's longest stretch: 12 minutes of 16-bit 16 kHz mono is 23 MB, under the 25 MB cap.
pub const PIECE_SECONDS: usize = 12 * 60;

impl Job for TranscribeRemotely {
    const KIND: &'static str = "transcription.openai";
    const QUEUE: &'static str = "transcription";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = TranscriptionPayload;

    async fn run(&self, ctx: JobContext, p: TranscriptionPayload) -> Result<(), JobError> {
        let outcome = self.transcribe(&ctx, &p).await;
        settle(&ctx, &p, Self::MAX_ATTEMPTS, outcome).await
    }
}

impl TranscribeRemotely {
    async fn api_key(&self, pool: &PgPool, workspace_id: Uuid) -> Result<String, JobError> {
        let mut tx = pool.begin().await?;
        tenant::as_system(&mut tx, workspace_id).await?;
        let key = key_for(&mut tx, self.secrets.as_deref(), &self.providers, Provider::OpenAi)
            .await
            .map_err(|e| JobError::Permanent(e.to_string()))?;
        tx.commit().await?;
        key.ok_or_else(|| {
            JobError::Permanent("There is no OpenAI key: a workspace admin can add one on the API keys page.".into())
        })
    }

    async fn transcribe(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<(), JobError> {
        let Some(work) = begin(ctx, p).await? else {
            return Ok(());
        };
        let api_key = self.api_key(&ctx.pool, p.workspace_id).await?;
        let copy = self
            .store
            .local_copy(&work.object_key)
            .await
            .map_err(JobError::retryable)?;
        let size = tokio::fs::metadata(&copy.path)
            .await
            .map_err(JobError::retryable)?
            .len();
        let as_is = work
            .container
            .as_deref()
            .and_then(|c| SENT_AS_IS.iter().find(|(label, _)| *label == c))
            .map(|(_, ext)| *ext);
        let language = work.language.as_deref();
        let draft = match as_is {
            Some(ext) if size <= self.max_upload_bytes => {
                if !set_stage(&ctx.pool, p, ctx.id, "transcribing", 0).await? {
                    return Ok(());
                }
                let name = format!("recording.{ext}");
                let sent = self.engine.transcribe(&api_key, &copy.path, &name, language);
                tokio::select! {
                    draft = sent => draft.map_err(engine_error)?,
                    _ = ctx.cancelled() => return Err(JobError::Cancelled),
                }
            }
            _ => {
                self.transcribe_in_pieces(ctx, p, &copy.path, &api_key, language)
                    .await?
            }
        };
        drop(copy);
        finish(ctx, p, draft, &self.engine.name(), work.style).await
    }

    /// Decodes, cuts at quiet moments into WAV pieces under the size cap, sends each and merges.
    async fn transcribe_in_pieces(
        &self,
        ctx: &JobContext,
        p: &TranscriptionPayload,
        path: &std::path::Path,
        api_key: &str,
        language: Option<&str>,
    ) -> Result<TranscriptDraft, JobError> {
        let source = path.to_owned();
        let samples = tokio::task::spawn_blocking(move || audio::decode_16k_mono(&source))
            .await
            .map_err(JobError::retryable)?
            .map_err(JobError::permanent)?;
        let rate = RATE as usize;
        let plan = pieces::plan(&samples, rate, self.piece_seconds * rate, 30 * rate, rate);
        let dir = std::env::temp_dir().join(format!("audiotricks-pieces-{}", ctx.id));
        tokio::fs::create_dir_all(&dir).await.map_err(JobError::retryable)?;
        let scratch = ScratchDir(dir.clone());
        let mut drafts = Vec::new();
        for (i, piece) in plan.iter().enumerate() {
            let percent = (i * 100 / plan.len()) as i16;
            if !set_stage(&ctx.pool, p, ctx.id, "transcribing", percent).await? {
                return Err(JobError::Cancelled);
            }
            let file = dir.join(format!("piece-{i}.wav"));
            pieces::write_wav(&file, &samples[piece.send_from..piece.send_to], RATE).map_err(JobError::retryable)?;
            let name = format!("piece-{i}.wav");
            let sent = self.engine.transcribe(api_key, &file, &name, language);
            let draft = tokio::select! {
                draft = sent => draft.map_err(engine_error)?,
                _ = ctx.cancelled() => return Err(JobError::Cancelled),
            };
            drafts.push(draft);
            let _ = tokio::fs::remove_file(&file).await;
        }
        drop(scratch);
        Ok(pieces::merge(&plan, drafts, rate))
    }
}

/// Removed when dropped, whichever way the job ends.
struct ScratchDir(std::path::PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes the summary and key moments of the current transcript, then marks it done.
pub struct Summarise {
    pub providers: ProvidersConfig,
    pub secrets: Option<Arc<SecretBox>>,
    pub chat: Option<Arc<ChatSummariser>>,
}

impl Job for Summarise {
    const KIND: &'static str = "transcription.summarise";
    const QUEUE: &'static str = "transcription";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = TranscriptionPayload;

    async fn run(&self, ctx: JobContext, p: TranscriptionPayload) -> Result<(), JobError> {
        let outcome = self.summarise(&ctx, &p).await;
        settle(&ctx, &p, Self::MAX_ATTEMPTS, outcome).await
    }
}

impl Summarise {
    async fn summarise(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<(), JobError> {
        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, p.workspace_id).await?;
        let row = sqlx::query!(
            "select tr.id as transcript_id, t.summary_style, r.title
             from transcriptions t
             join transcripts tr on tr.recording_id = t.recording_id
             join recordings r on r.id = t.recording_id
             where t.recording_id = $1 and t.job_id = $2 and t.stage = 'summarising'",
            p.recording_id,
            ctx.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(()) };
        let segments = super::store::segments(&mut tx, row.transcript_id).await?;
        let api_key = match &self.chat {
            Some(_) => key_for(&mut tx, self.secrets.as_deref(), &self.providers, Provider::OpenAi)
                .await
                .map_err(|e| JobError::Permanent(e.to_string()))?,
            None => None,
        };
        tx.commit().await?;
        let style = SummaryStyle::from_key(&row.summary_style).unwrap_or(SummaryStyle::Brief);
        let sentences = summary::sentences(&segments);
        let extractive = summary::extractive(&sentences, style);
        let (summary, method, tokens) = match (&self.chat, api_key) {
            (Some(chat), Some(key)) if !sentences.is_empty() => {
                let written = tokio::select! {
                    written = chat.summarise(&key, &sentences, style) => written.map_err(engine_error)?,
                    _ = ctx.cancelled() => return Err(JobError::Cancelled),
                };
                let (mut summary, tokens) = written;
                // The model picked too few moments to be useful: ours fill in.
                if summary.key_moments.len() < 3 && extractive.key_moments.len() > summary.key_moments.len() {
                    summary.key_moments = extractive.key_moments.clone();
                }
                (summary, chat.method(), tokens)
            }
            _ if sentences.is_empty() => (
                Summary {
                    text: "No speech was found in this recording.".into(),
                    key_moments: Vec::new(),
                },
                "extractive".to_owned(),
                0,
            ),
            _ => (extractive, "extractive".to_owned(), 0),
        };

        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, p.workspace_id).await?;
        let current = sqlx::query_scalar!(
            "select 1 as \"one!\" from transcriptions where recording_id = $1 and job_id = $2 and stage = 'summarising' for update",
            p.recording_id,
            ctx.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        if current.is_none() {
            return Ok(());
        }
        sqlx::query!(
            "insert into summaries (transcript_id, workspace_id, style, method, text, key_moments)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (transcript_id) do update
             set style = $3, method = $4, text = $5, key_moments = $6",
            row.transcript_id,
            p.workspace_id,
            style.key(),
            method,
            summary.text,
            serde_json::to_value(&summary.key_moments).expect("key moments serialize")
        )
        .execute(&mut *tx)
        .await?;
        if tokens > 0 {
            count_usage(
                &mut tx,
                p.workspace_id,
                ("summary.tokens", tokens, "tokens"),
                format!("summary:{}", ctx.id),
                serde_json::json!({ "recording": p.recording_id, "method": method }),
            )
            .await?;
        }
        sqlx::query!(
            "update transcriptions set stage = 'done', percent = 100, finished_at = now() where recording_id = $1",
            p.recording_id
        )
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::new(Actor::System, AuditAction::TranscriptionFinished)
            .target("recording", p.recording_id.to_string())
            .workspace(p.workspace_id)
            .metadata(serde_json::json!({ "title": row.title, "outcome": "done", "summary": method }));
        audit::service::record(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
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
        }))
}
