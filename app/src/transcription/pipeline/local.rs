//! Local transcription with whisper.cpp.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::{begin, engine_error, finish, follow_progress, set_stage, settle, TranscriptionPayload, LOCAL_QUEUE};
use crate::{
    server::{
        config::TranscriptionConfig,
        jobs::{Job, JobContext, JobError},
    },
    storage::Store,
    transcription::{audio, local::LocalEngine},
};

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
        let stop = super::made::StopFlag::new(ctx);
        let cancelled = stop.flag.clone();
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
        let draft = follow_progress(ctx, p, "transcribing", run, &mut progress_rx).await?;
        if stop.raised() {
            return Err(JobError::Cancelled);
        }
        let draft = draft.map_err(engine_error)?;
        finish(ctx, p, draft, &engine.name(), work.style).await
    }
}
