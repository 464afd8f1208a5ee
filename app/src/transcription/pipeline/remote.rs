//! Transcription by an OpenAI-compatible service, long audio in pieces.

use std::sync::Arc;

use sqlx::PgPool;
use uuid::Uuid;

use super::{begin, engine_error, finish, set_stage, settle, TranscriptionPayload};
use crate::{
    providers::{service::key_for, Provider},
    server::{
        config::ProvidersConfig,
        jobs::{Job, JobContext, JobError},
        secrets::SecretBox,
    },
    storage::Store,
    transcription::{
        audio::{self, RATE},
        openai::OpenAiEngine,
        pieces, TranscriptDraft,
    },
    workspaces::tenant,
};

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
