//! The summary and key moments of a stored transcript.

use std::sync::Arc;

use super::{engine_error, settle, TranscriptionPayload};
use crate::{
    audit::{self, Actor, AuditAction, AuditEvent},
    providers::{service::key_for, Provider},
    server::{
        config::ProvidersConfig,
        jobs::{Job, JobContext, JobError},
        secrets::SecretBox,
    },
    transcription::{
        chat::ChatSummariser,
        summary::{self, Summary, SummaryStyle},
    },
    usage::{self, UsageEvent},
    workspaces::tenant,
};

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
        let segments: Vec<_> = crate::transcription::store::segments(&mut tx, row.transcript_id)
            .await?
            .into_iter()
            .map(|(segment, _)| segment)
            .collect();
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
            usage::record(
                &mut tx,
                UsageEvent {
                    workspace: p.workspace_id,
                    kind: "summary.tokens",
                    quantity: tokens,
                    unit: "tokens",
                    idempotency_key: format!("summary:{}", ctx.id),
                    metadata: serde_json::json!({ "recording": p.recording_id, "method": method }),
                },
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
