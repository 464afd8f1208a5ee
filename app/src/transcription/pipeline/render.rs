//! Rendering an edited version of a recording (see `recordings::edits`): ffmpeg decodes the
//! source to raw samples, our splicer drops the cut passages and crossfades each join, and ffmpeg
//! encodes the result as MP3. Audio streams through pipes, so memory stays at one buffer whatever
//! the length. Then the new recording gets its audio, the source's transcript moved to the new
//! timeline, and a summary job.

use std::{
    io::{Read, Write},
    path::Path,
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use uuid::Uuid;

use super::{
    follow_progress,
    made::{self, Scratch, StopFlag},
    set_stage, TranscriptionPayload,
};
use crate::{
    recordings::{cuts, inspect},
    server::jobs::{self, Job, JobContext, JobError, NewJob},
    storage::{keys::ObjectKey, Store},
    transcription::{store, summary::SummaryStyle},
    workspaces::tenant,
};

/// Renders run one at a time: decoding and encoding take a core each.
pub const RENDER_QUEUE: &str = "audio_render";
/// Rates the MP3 encoder takes; anything else is resampled to 44.1 kHz.
const MP3_RATES: [u32; 9] = [8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

pub struct RenderEdit {
    pub store: Arc<Store>,
}

impl Job for RenderEdit {
    const KIND: &'static str = "recording.render_edit";
    const QUEUE: &'static str = RENDER_QUEUE;
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = TranscriptionPayload;

    async fn run(&self, ctx: JobContext, p: TranscriptionPayload) -> Result<(), JobError> {
        let outcome = self.render(&ctx, &p).await;
        made::settle(&ctx, &p, &self.store, Self::MAX_ATTEMPTS, "Rendering", outcome).await
    }
}

struct Source {
    key: ObjectKey,
    transcript: Uuid,
    plan: cuts::Plan,
    rate: u32,
    channels: usize,
    style: SummaryStyle,
    engine: String,
    language: Option<String>,
}

impl RenderEdit {
    async fn begin(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<Option<Source>, JobError> {
        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, p.workspace_id).await?;
        let row = sqlx::query!(
            r#"select e.cuts, s.object_key as "source_key?", s.duration_ms as source_ms, s.sample_rate,
                      s.channels, tr.id as "transcript?", tr.engine as "engine?", tr.language, t.summary_style
               from recording_edits e
               join recordings r on r.id = e.recording_id
               join transcriptions t on t.recording_id = r.id
               left join recordings s on s.id = e.source_id
               left join transcripts tr on tr.recording_id = s.id
               where e.recording_id = $1 and r.status = 'rendering' and r.deleted_at is null
                 and t.job_id = $2 and t.stage not in ('cancelled', 'failed', 'done')"#,
            p.recording_id,
            ctx.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let (Some(key), Some(transcript)) = (row.source_key, row.transcript) else {
            return Err(JobError::permanent(
                "the recording it was cut from was deleted before it could be rendered.",
            ));
        };
        let cut_list: Vec<cuts::Cut> = serde_json::from_value(row.cuts)
            .map_err(|e| JobError::Permanent(format!("the cut list is unreadable ({e})")))?;
        let plan = cuts::plan(&cut_list, row.source_ms.unwrap_or(0)).map_err(JobError::Permanent)?;
        let rate = row
            .sample_rate
            .and_then(|r| u32::try_from(r).ok())
            .filter(|r| MP3_RATES.contains(r))
            .unwrap_or(44_100);
        if !set_stage(&ctx.pool, p, ctx.id, "preparing", 0).await? {
            return Ok(None);
        }
        Ok(Some(Source {
            key: ObjectKey::parse(&key).ok_or_else(|| JobError::permanent("malformed object key"))?,
            transcript,
            plan,
            rate,
            channels: row.channels.unwrap_or(1).clamp(1, 2) as usize,
            style: SummaryStyle::from_key(&row.summary_style).unwrap_or(SummaryStyle::Brief),
            engine: row.engine.unwrap_or_default(),
            language: row.language,
        }))
    }

    async fn render(&self, ctx: &JobContext, p: &TranscriptionPayload) -> Result<(), JobError> {
        let Some(source) = self.begin(ctx, p).await? else {
            return Ok(());
        };
        let copy = self.store.local_copy(&source.key).await.map_err(JobError::retryable)?;
        let output = Scratch(std::env::temp_dir().join(format!("audiotricks-edit-{}.mp3", Uuid::new_v4().simple())));
        // Raised on cancel, and when this run returns early, so ffmpeg never outlives it.
        let stop = StopFlag::new(ctx);
        let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(0_i32);
        let run = {
            let (input, out, cancelled) = (copy.path.clone(), output.0.clone(), stop.flag.clone());
            let splicer = source.plan.splicer(source.rate, source.channels);
            let total_frames = (source.plan.duration_ms.max(1) as u64) * u64::from(source.rate) / 1000;
            let (rate, channels) = (source.rate, source.channels);
            tokio::task::spawn_blocking(move || {
                splice_file(
                    &input,
                    &out,
                    rate,
                    channels,
                    splicer,
                    total_frames,
                    &cancelled,
                    |percent| {
                        let _ = progress_tx.send(percent);
                    },
                )
            })
        };
        let rendered = follow_progress(ctx, p, "preparing", run, &mut progress_rx).await?;
        drop(copy);
        if stop.raised() {
            return Err(JobError::Cancelled);
        }
        rendered.map_err(JobError::Permanent)?;
        let checked = {
            let path = output.0.clone();
            tokio::task::spawn_blocking(move || inspect::examine(&path))
                .await
                .map_err(JobError::retryable)?
                .map_err(JobError::retryable)?
                .map_err(|why| JobError::Permanent(format!("the rendered audio did not read back ({why})")))?
        };
        let size = std::fs::metadata(&output.0).map_err(JobError::retryable)?.len() as i64;
        let key = ObjectKey::recording(p.workspace_id, p.recording_id);
        self.store
            .put_file(&key, &output.0)
            .await
            .map_err(JobError::retryable)?;
        self.finish(ctx, p, &source, &key, size, &checked).await
    }

    /// The new recording gets its audio and the transcript on its timeline, and its summary is
    /// queued: one transaction.
    async fn finish(
        &self,
        ctx: &JobContext,
        p: &TranscriptionPayload,
        source: &Source,
        key: &ObjectKey,
        size: i64,
        facts: &inspect::AudioFacts,
    ) -> Result<(), JobError> {
        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, p.workspace_id).await?;
        if !super::still_current(&mut tx, p, ctx.id).await? {
            // Cancelled while the file was being written: it is not kept.
            tx.rollback().await?;
            self.store.delete(key).await.map_err(JobError::retryable)?;
            return Ok(());
        }
        inspect::accept(&mut tx, p.workspace_id, p.recording_id, "rendering", size, facts).await?;
        let lines = store::segments(&mut tx, source.transcript).await?;
        let moved = source.plan.shift_lines(&lines);
        let engine = format!("edit:{}", source.engine.trim_start_matches("edit:"));
        let text = moved.iter().map(|(l, _)| l.text.as_str()).collect::<Vec<_>>().join(" ");
        let transcript = sqlx::query_scalar!(
            "insert into transcripts (id, workspace_id, recording_id, language, engine, text)
             values ($1, $2, $3, $4, $5, $6) returning id",
            Uuid::new_v4(),
            p.workspace_id,
            p.recording_id,
            source.language,
            engine,
            text
        )
        .fetch_one(&mut *tx)
        .await?;
        let labels: Vec<Option<&str>> = moved.iter().map(|(_, name)| name.as_deref()).collect();
        let speakers = crate::transcription::editing::speaker_ids(&mut tx, p.workspace_id, transcript, &labels).await?;
        let lines: Vec<_> = moved.into_iter().map(|(l, _)| l).collect();
        store::replace_segments(&mut tx, p.workspace_id, transcript, &lines, &speakers).await?;
        crate::transcription::editing::keep_version(&mut tx, transcript, "transcribed", None).await?;
        let summary_job = jobs::enqueue(&mut tx, NewJob::of::<super::Summarise>(p)).await?;
        sqlx::query!(
            "update transcriptions set stage = 'summarising', percent = 0, engine = $2, job_id = $3, summary_style = $4
             where recording_id = $1",
            p.recording_id,
            engine,
            summary_job,
            source.style.key()
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Decodes `input` with ffmpeg, splices it, and encodes MP3 to `output`; Err in words.
#[allow(clippy::too_many_arguments)]
fn splice_file(
    input: &Path,
    output: &Path,
    rate: u32,
    channels: usize,
    mut splicer: cuts::Splicer,
    total_frames: u64,
    cancelled: &AtomicBool,
    progress: impl Fn(i32),
) -> Result<(), String> {
    let no_ffmpeg = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => "ffmpeg, which edits audio, is not installed on the server.".to_owned(),
        _ => format!("ffmpeg could not start ({e})."),
    };
    let errors = Scratch(output.with_extension("log"));
    let log = std::fs::File::create(&errors.0).map_err(|e| e.to_string())?;
    let (rate_arg, channels_arg) = (rate.to_string(), channels.to_string());
    let mut decoder = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(input)
        .args(["-f", "f32le", "-ac", &channels_arg, "-ar", &rate_arg, "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log.try_clone().map_err(|e| e.to_string())?))
        .spawn()
        .map_err(no_ffmpeg)?;
    let encoder = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "f32le",
            "-ar",
            &rate_arg,
            "-ac",
            &channels_arg,
        ])
        .args(["-i", "pipe:0", "-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"])
        .arg(output)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn();
    let mut encoder = match encoder {
        Ok(encoder) => encoder,
        Err(e) => {
            let _ = decoder.kill();
            let _ = decoder.wait();
            return Err(no_ffmpeg(e));
        }
    };
    let outcome = (|| {
        let mut from = decoder.stdout.take().ok_or("no decoder output")?;
        let mut to = encoder.stdin.take().ok_or("no encoder input")?;
        let frame_bytes = 4 * channels;
        let mut buf = vec![0_u8; 64 * 1024];
        let mut filled = 0;
        let (mut samples, mut spliced, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
        let mut frames_read = 0_u64;
        let mut last_percent = -1;
        loop {
            if cancelled.load(Ordering::Relaxed) {
                return Err("cancelled".to_owned());
            }
            let n = from.read(&mut buf[filled..]).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            filled += n;
            let whole = filled / frame_bytes * frame_bytes;
            samples.clear();
            samples.extend(
                buf[..whole]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            buf.copy_within(whole..filled, 0);
            filled -= whole;
            frames_read += (whole / frame_bytes) as u64;
            spliced.clear();
            splicer.push(&samples, &mut spliced);
            write_samples(&mut to, &spliced, &mut bytes)?;
            let percent = (frames_read * 100 / total_frames.max(1)).min(99) as i32;
            if percent != last_percent {
                progress(percent);
                last_percent = percent;
            }
        }
        spliced.clear();
        splicer.finish(&mut spliced);
        write_samples(&mut to, &spliced, &mut bytes)?;
        if frames_read == 0 {
            return Err("no audio could be decoded from the recording.".to_owned());
        }
        Ok(())
    })();
    if outcome.is_err() {
        let _ = decoder.kill();
        let _ = encoder.kill();
    }
    let decoded = decoder.wait().map_err(|e| e.to_string())?;
    let encoded = encoder.wait().map_err(|e| e.to_string())?;
    outcome?;
    if !decoded.success() || !encoded.success() {
        let said = std::fs::read_to_string(&errors.0).unwrap_or_default();
        let said = said.lines().last().unwrap_or("no reason given").trim().to_owned();
        return Err(format!("ffmpeg failed: {said}"));
    }
    Ok(())
}

fn write_samples(to: &mut impl Write, samples: &[f32], bytes: &mut Vec<u8>) -> Result<(), String> {
    bytes.clear();
    bytes.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    to.write_all(bytes)
        .map_err(|e| format!("the encoder stopped taking audio ({e})"))
}
