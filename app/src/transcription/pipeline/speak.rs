//! Speaking a transcript or summary (see `recordings::speech`): espeak-ng on this server, or
//! ElevenLabs' text-to-speech piece by piece, into one MP3 that is stored as the new recording's
//! file. It is read back like an upload (its length, its codec), its transcription queued by the
//! workspace's engine, and the characters spoken are counted.

use std::{
    io::Write,
    path::Path,
    process::Stdio,
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use uuid::Uuid;

use super::{
    made::{self, wait_or_kill, Scratch, StopFlag},
    set_stage, TranscriptionPayload, RENDER_QUEUE,
};
use crate::{
    providers::{service::key_for, Provider},
    recordings::{
        inspect,
        speech::{pieces, Voicer, SPEECH_MODEL},
    },
    server::{
        config::ProvidersConfig,
        jobs::{Job, JobContext, JobError},
        secrets::SecretBox,
    },
    storage::{keys::ObjectKey, Store},
    transcription::{summary::SummaryStyle, EngineChoice},
    usage::{self, UsageEvent},
    workspaces::tenant,
};

/// Characters sent to ElevenLabs per request.
const PIECE_CHARACTERS: usize = 2_500;
/// Tries of one piece before the run itself is left to the job queue's retry.
const PIECE_ATTEMPTS: u32 = 3;
const PIECE_BACKOFF: Duration = Duration::from_secs(2);
const LONGEST_PIECE_WAIT: Duration = Duration::from_secs(60);

pub struct Speak {
    pub store: Arc<Store>,
    pub providers: ProvidersConfig,
    pub secrets: Option<Arc<SecretBox>>,
}

impl Job for Speak {
    const KIND: &'static str = "recording.speak";
    const QUEUE: &'static str = RENDER_QUEUE;
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = TranscriptionPayload;

    async fn run(&self, ctx: JobContext, p: TranscriptionPayload) -> Result<(), JobError> {
        let outcome = self.speak(&ctx, &p).await;
        made::settle(&ctx, &p, &self.store, Self::MAX_ATTEMPTS, "Reading aloud", outcome).await
    }
}

struct Request {
    engine: Voicer,
    voice: String,
    text: String,
    characters: i32,
    key: Option<String>,
}

impl Speak {
    async fn begin(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<Option<Request>, JobError> {
        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, p.workspace_id).await?;
        let row = sqlx::query!(
            "select v.engine, v.voice, v.text, v.characters
             from spoken_versions v
             join recordings r on r.id = v.recording_id
             join transcriptions t on t.recording_id = r.id
             where v.recording_id = $1 and r.status = 'rendering' and r.deleted_at is null
               and t.job_id = $2 and t.stage not in ('cancelled', 'failed', 'done')",
            p.recording_id,
            ctx.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let engine = Voicer::from_key(&row.engine).ok_or_else(|| JobError::permanent("unknown voice engine"))?;
        let key = match engine {
            Voicer::Local => None,
            Voicer::ElevenLabs => Some(
                key_for(&mut tx, self.secrets.as_deref(), &self.providers, Provider::ElevenLabs)
                    .await
                    .map_err(|e| JobError::Permanent(e.to_string()))?
                    .ok_or_else(|| JobError::permanent("the workspace's ElevenLabs key was removed."))?,
            ),
        };
        tx.commit().await?;
        if !set_stage(&ctx.pool, p, ctx.id, "preparing", 0).await? {
            return Ok(None);
        }
        Ok(Some(Request {
            engine,
            voice: row.voice,
            text: row.text,
            characters: row.characters,
            key,
        }))
    }

    async fn speak(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<(), JobError> {
        let Some(request) = self.begin(ctx, p).await? else {
            return Ok(());
        };
        let output = Scratch(std::env::temp_dir().join(format!("audiotricks-speech-{}.mp3", Uuid::new_v4().simple())));
        match request.engine {
            Voicer::Local => {
                // Raised on cancel, and when this run returns early, so espeak-ng and ffmpeg stop.
                let stop = StopFlag::new(ctx);
                let (voice, text, out, flag) = (
                    request.voice.clone(),
                    request.text.clone(),
                    output.0.clone(),
                    stop.flag.clone(),
                );
                let spoken = tokio::task::spawn_blocking(move || speak_locally(&voice, &text, &out, &flag))
                    .await
                    .map_err(JobError::retryable)?;
                if stop.raised() {
                    return Err(JobError::Cancelled);
                }
                spoken.map_err(JobError::Permanent)?;
            }
            Voicer::ElevenLabs => {
                let key = request.key.as_deref().unwrap_or_default();
                let parts = pieces(&request.text, PIECE_CHARACTERS);
                let mut file = std::fs::File::create(&output.0).map_err(JobError::retryable)?;
                for (i, piece) in parts.iter().enumerate() {
                    let audio = tokio::select! {
                        audio = self.eleven_labs(key, &request.voice, piece) => audio?,
                        _ = ctx.cancelled() => return Err(JobError::Cancelled),
                    };
                    file.write_all(&audio).map_err(JobError::retryable)?;
                    let percent = ((i + 1) * 100 / parts.len()).min(99) as i16;
                    if !set_stage(&ctx.pool, p, ctx.id, "preparing", percent).await? {
                        return Ok(());
                    }
                }
            }
        }
        // What came back must be audio we can read, like any upload.
        let path = output.0.clone();
        let facts = tokio::task::spawn_blocking(move || inspect::examine(&path))
            .await
            .map_err(JobError::retryable)?
            .map_err(JobError::retryable)?
            .map_err(|why| JobError::Permanent(format!("the spoken audio did not read back ({why})")))?;
        let size = std::fs::metadata(&output.0).map_err(JobError::retryable)?.len() as i64;
        let key = ObjectKey::recording(p.workspace_id, p.recording_id);
        self.store
            .put_file(&key, &output.0)
            .await
            .map_err(JobError::retryable)?;

        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, p.workspace_id).await?;
        if !super::still_current(&mut tx, p, ctx.id).await? {
            // Cancelled while the file was being written: it is not kept.
            tx.rollback().await?;
            self.store.delete(&key).await.map_err(JobError::retryable)?;
            return Ok(());
        }
        inspect::accept(&mut tx, p.workspace_id, p.recording_id, "rendering", size, &facts).await?;
        usage::record(
            &mut tx,
            UsageEvent {
                workspace: p.workspace_id,
                kind: "speech.characters",
                quantity: i64::from(request.characters),
                unit: "characters",
                idempotency_key: format!("speech:{}", p.recording_id),
                metadata: serde_json::json!({ "recording": p.recording_id, "engine": request.engine.key() }),
            },
        )
        .await?;
        // Transcribed like an upload, by the workspace's engine.
        let choice = sqlx::query!(
            "select transcription_engine, summary_style from workspaces where id = $1",
            p.workspace_id
        )
        .fetch_one(&mut *tx)
        .await?;
        super::queue(
            &mut tx,
            p.workspace_id,
            p.recording_id,
            EngineChoice::from_key(&choice.transcription_engine).unwrap_or(EngineChoice::Local),
            SummaryStyle::from_key(&choice.summary_style).unwrap_or(SummaryStyle::Brief),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One piece through ElevenLabs' text-to-speech: MP3 bytes. A busy answer (429, 5xx) is
    /// asked again here, after `Retry-After` or a growing pause, so the pieces already spoken
    /// are not bought twice by a retry of the whole run.
    async fn eleven_labs(&self, key: &str, voice: &str, text: &str) -> Result<Vec<u8>, JobError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.eleven_labs_once(key, voice, text).await {
                Err((JobError::Retryable(message), retry_after)) if attempt < PIECE_ATTEMPTS => {
                    let wait = retry_after
                        .unwrap_or(PIECE_BACKOFF * 2_u32.pow(attempt - 1))
                        .min(LONGEST_PIECE_WAIT);
                    tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, %message, "ElevenLabs request will be retried");
                    tokio::time::sleep(wait).await;
                }
                other => return other.map_err(|(e, _)| e),
            }
        }
    }

    async fn eleven_labs_once(
        &self,
        key: &str,
        voice: &str,
        text: &str,
    ) -> Result<Vec<u8>, (JobError, Option<Duration>)> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| (JobError::retryable(e), None))?;
        let answer = client
            .post(format!(
                "{}/v1/text-to-speech/{voice}",
                self.providers.elevenlabs_base_url
            ))
            .header("xi-api-key", key)
            .header("accept", "audio/mpeg")
            .json(&serde_json::json!({ "text": text, "model_id": SPEECH_MODEL }))
            .send()
            .await
            .map_err(|e| {
                (
                    JobError::Retryable(format!("ElevenLabs could not be reached ({e})")),
                    None,
                )
            })?;
        let status = answer.status().as_u16();
        match status {
            200 => Ok(answer
                .bytes()
                .await
                .map_err(|e| (JobError::retryable(e), None))?
                .to_vec()),
            401 | 403 => Err((JobError::permanent("ElevenLabs refused the workspace's key."), None)),
            404 => Err((JobError::permanent("ElevenLabs has no such voice any more."), None)),
            429 | 500..=599 => Err((
                JobError::Retryable(format!("ElevenLabs answered {status}")),
                crate::transcription::openai::retry_after(answer.headers()),
            )),
            _ => {
                let said = answer.text().await.unwrap_or_default();
                Err((
                    JobError::Permanent(format!(
                        "ElevenLabs did not speak it ({status}: {})",
                        said.chars().take(200).collect::<String>()
                    )),
                    None,
                ))
            }
        }
    }
}

/// Longest a local reading may take (100,000 characters take espeak-ng about a minute here).
const LOCAL_LIMIT: Duration = Duration::from_secs(15 * 60);

/// espeak-ng reads the text (from standard input) into a WAV; ffmpeg makes it an MP3. Both stop
/// when `stop` is raised.
fn speak_locally(voice: &str, text: &str, output: &Path, stop: &AtomicBool) -> Result<(), String> {
    let wav = Scratch(output.with_extension("wav"));
    let mut espeak = std::process::Command::new("espeak-ng")
        .args(["-v", voice, "-s", "160", "--stdin", "-w"])
        .arg(&wav.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "espeak-ng, the server's voice, is not installed.".to_owned(),
            _ => format!("espeak-ng could not start ({e})."),
        })?;
    // Fed whole, then closed, so espeak-ng reads to the end.
    let fed = espeak
        .stdin
        .take()
        .ok_or("no input to espeak-ng")
        .and_then(|mut input| {
            input
                .write_all(text.as_bytes())
                .map_err(|_| "espeak-ng stopped reading.")
        });
    let read = wait_or_kill(&mut espeak, stop, LOCAL_LIMIT)?;
    fed?;
    if !read.success() {
        return Err("espeak-ng could not speak the text.".into());
    }
    let mut ffmpeg = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(&wav.0)
        .args(["-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"])
        .arg(output)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("ffmpeg could not start ({e})."))?;
    if !wait_or_kill(&mut ffmpeg, stop, LOCAL_LIMIT)?.success() {
        return Err("ffmpeg could not encode the spoken audio.".into());
    }
    Ok(())
}
