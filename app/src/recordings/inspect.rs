//! After an upload: what the file really is. Its first bytes must be an audio container we know
//! (never the name or the browser's word), then symphonia reads its duration and codec. A file
//! that fails is deleted and its uploader told why in plain words.

use std::{io::Read, path::Path, sync::Arc};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    audit::{self, Actor, AuditAction, AuditEvent},
    server::jobs::{Job, JobContext, JobError},
    storage::{
        keys::ObjectKey,
        usage::{self, StorageChange},
        Store,
    },
    transcription::{summary::SummaryStyle, EngineChoice},
    workspaces::tenant,
};

/// Audio containers recognised by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Wav,
    Mp3,
    Flac,
    Ogg,
    Mp4,
    Matroska,
    Aiff,
    Adts,
    Caf,
}

impl Container {
    pub fn label(self) -> &'static str {
        match self {
            Self::Wav => "WAV",
            Self::Mp3 => "MP3",
            Self::Flac => "FLAC",
            Self::Ogg => "Ogg",
            Self::Mp4 => "MPEG-4 audio",
            Self::Matroska => "WebM",
            Self::Aiff => "AIFF",
            Self::Adts => "AAC",
            Self::Caf => "CAF",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Wav => "audio/wav",
            Self::Mp3 => "audio/mpeg",
            Self::Flac => "audio/flac",
            Self::Ogg => "audio/ogg",
            Self::Mp4 => "audio/mp4",
            Self::Matroska => "audio/webm",
            Self::Aiff => "audio/aiff",
            Self::Adts => "audio/aac",
            Self::Caf => "audio/x-caf",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Mp3 => "mp3",
            Self::Flac => "flac",
            Self::Ogg => "ogg",
            Self::Mp4 => "m4a",
            Self::Matroska => "webm",
            Self::Aiff => "aiff",
            Self::Adts => "aac",
            Self::Caf => "caf",
        }
    }
}

const UNSUPPORTED: &str = "Upload MP3, WAV, M4A, FLAC, OGG, OPUS or WebM audio.";

/// What the first bytes say, or why they are refused.
pub fn sniff(head: &[u8]) -> Result<Container, String> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"RIFF") && (at(8, b"WAVE")) {
        return Ok(Container::Wav);
    }
    if at(0, b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && head[1] & 0x06 != 0) {
        return Ok(Container::Mp3);
    }
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xF6 == 0xF0 {
        return Ok(Container::Adts);
    }
    if at(0, b"fLaC") {
        return Ok(Container::Flac);
    }
    if at(0, b"OggS") {
        return Ok(Container::Ogg);
    }
    if at(4, b"ftyp") {
        return Ok(Container::Mp4);
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(Container::Matroska);
    }
    if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return Ok(Container::Aiff);
    }
    if at(0, b"caff") {
        return Ok(Container::Caf);
    }
    let looks_like = if at(0, b"%PDF") {
        Some("a PDF document")
    } else if at(0, b"\x89PNG") || at(0, &[0xFF, 0xD8, 0xFF]) || at(0, b"GIF8") {
        Some("an image")
    } else if at(0, b"PK\x03\x04") {
        Some("a ZIP archive or an Office document")
    } else if at(0, b"MZ") || at(0, b"\x7FELF") {
        Some("a program")
    } else if head.is_empty() {
        Some("empty")
    } else if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || *b >= 0x80)
    {
        Some("text")
    } else {
        None
    };
    Err(match looks_like {
        Some("empty") => "The file is empty.".to_owned(),
        Some(kind) => format!("This file is not audio (it looks like {kind}). {UNSUPPORTED}"),
        None => format!("This is not an audio format we can read. {UNSUPPORTED}"),
    })
}

/// What a readable audio file turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioFacts {
    pub container: Container,
    pub codec: String,
    pub duration_ms: i64,
    pub sample_rate: Option<u32>,
    pub channels: Option<u32>,
}

impl AudioFacts {
    pub fn summary(&self) -> String {
        format!(
            "{} ({}), {}",
            self.container.label(),
            self.codec,
            super::duration_in_words(self.duration_ms)
        )
    }
}

fn codec_name(id: symphonia::core::codecs::audio::AudioCodecId) -> String {
    use symphonia::core::codecs::audio::well_known::*;
    // The id's number is only printed (as hex); PCM and ADPCM are whole ranges of ids.
    let number = u32::from_str_radix(id.to_string().trim_start_matches("0x"), 16).unwrap_or(0);
    let name = match id {
        CODEC_ID_MP3 | CODEC_ID_MP2 | CODEC_ID_MP1 => "MPEG audio",
        CODEC_ID_AAC => "AAC",
        CODEC_ID_FLAC => "FLAC",
        CODEC_ID_VORBIS => "Vorbis",
        CODEC_ID_OPUS => "Opus",
        CODEC_ID_ALAC => "ALAC",
        CODEC_ID_SPEEX => "Speex",
        CODEC_ID_AC3 | CODEC_ID_EAC3 => "Dolby Digital",
        CODEC_ID_PCM_ALAW | CODEC_ID_PCM_MULAW => "G.711",
        _ if (0x100..0x200).contains(&number) => "PCM",
        _ if (0x200..0x300).contains(&number) => "ADPCM",
        _ => "audio",
    };
    name.to_owned()
}

/// Marks a recording ready with what its file turned out to be, and counts the file in the
/// workspace's storage (once per recording). False when it was no longer in status `from`.
pub async fn accept(
    conn: &mut sqlx::PgConnection,
    workspace: Uuid,
    recording: Uuid,
    from: &str,
    size_bytes: i64,
    facts: &AudioFacts,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        "update recordings set status = 'ready', size_bytes = $3, format = $4, content_type = $5, codec = $6,
                duration_ms = $7, sample_rate = $8, channels = $9
         where id = $1 and status = $2",
        recording,
        from,
        size_bytes,
        facts.container.label(),
        facts.container.content_type(),
        facts.codec,
        facts.duration_ms,
        facts.sample_rate.map(|r| r as i32),
        facts.channels.map(|c| c as i32)
    )
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    usage::record(
        conn,
        StorageChange {
            workspace,
            bytes: size_bytes,
            objects: 1,
            kind: "storage.added",
            idempotency_key: format!("recording:{recording}:stored"),
            metadata: serde_json::json!({ "recording": recording, "format": facts.container.label() }),
        },
    )
    .await?;
    Ok(true)
}

/// Reads the file: container by its first bytes, then duration and codec. `Ok(Err(reason))`
/// is a refusal to tell the uploader; `Err` is a failure to read the file at all (retry).
pub fn examine(path: &Path) -> std::io::Result<Result<AudioFacts, String>> {
    use symphonia::core::{
        formats::{probe::Hint, FormatOptions, TrackType},
        io::MediaSourceStream,
        meta::MetadataOptions,
    };
    let mut head = [0_u8; 64];
    let mut file = std::fs::File::open(path)?;
    let read = file.read(&mut head)?;
    let container = match sniff(&head[..read]) {
        Ok(c) => c,
        Err(reason) => return Ok(Err(reason)),
    };
    let damaged = || {
        format!(
            "The file starts like {} audio but could not be read; it may be damaged or cut short.",
            container.label()
        )
    };
    let file = std::fs::File::open(path)?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(container.extension());
    let mut format =
        match symphonia::default::get_probe().probe(&hint, mss, FormatOptions::default(), MetadataOptions::default()) {
            Ok(f) => f,
            Err(_) => return Ok(Err(damaged())),
        };
    let Some(track) = format.default_track(TrackType::Audio).cloned() else {
        return Ok(Err("The file has no audio in it.".to_owned()));
    };
    let params = track.codec_params.as_ref().and_then(|p| p.audio()).cloned();
    let sample_rate = params.as_ref().and_then(|p| p.sample_rate);
    let channels = params
        .as_ref()
        .and_then(|p| p.channels.as_ref())
        .map(|c| c.count() as u32);
    let codec = params
        .as_ref()
        .map(|p| codec_name(p.codec))
        .unwrap_or_else(|| "audio".into());
    let seconds = |ticks: u64| -> Option<f64> {
        let tb = track.time_base?;
        tb.calc_duration(symphonia::core::units::Duration::new(ticks))
            .map(|t| t.as_secs_f64())
    };
    let from_header = track
        .duration
        .and_then(|d| seconds(d.get()))
        .or_else(|| Some(track.num_frames? as f64 / f64::from(sample_rate?)));
    let duration = match from_header {
        Some(s) if s > 0.0 => s,
        // No length in the headers: read the packets (no decoding) to where the last one ends.
        // WebM from browsers gives block timestamps but often no per-packet duration.
        _ => {
            let (mut summed, mut end): (u64, u64) = (0, 0);
            loop {
                match format.next_packet() {
                    Ok(Some(packet)) if packet.track_id == track.id => {
                        summed += packet.dur.get();
                        let until = packet.pts.get().max(0) as u64 + packet.dur.get();
                        end = end.max(until);
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) if summed.max(end) > 0 => break,
                    Err(_) => return Ok(Err(damaged())),
                }
            }
            seconds(summed.max(end)).unwrap_or(0.0)
        }
    };
    if duration <= 0.0 {
        return Ok(Err("The recording has no length: there is no sound in it.".to_owned()));
    }
    Ok(Ok(AudioFacts {
        container,
        codec,
        duration_ms: (duration * 1000.0).round() as i64,
        sample_rate,
        channels,
    }))
}

#[derive(Serialize, Deserialize)]
pub struct InspectPayload {
    pub workspace_id: Uuid,
    pub recording_id: Uuid,
}

/// Checks one uploaded file and marks its recording ready or rejected.
pub struct InspectRecording {
    pub store: Arc<Store>,
}

impl Job for InspectRecording {
    const KIND: &'static str = "recordings.inspect";
    const QUEUE: &'static str = "media";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = InspectPayload;

    async fn run(&self, ctx: JobContext, payload: InspectPayload) -> Result<(), JobError> {
        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, payload.workspace_id).await?;
        let row = sqlx::query!(
            "select title, object_key, size_bytes from recordings where id = $1 and status = 'checking'",
            payload.recording_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else {
            return Ok(()); // already checked, or deleted meanwhile
        };
        let key = ObjectKey::parse(&row.object_key).ok_or_else(|| JobError::permanent("malformed object key"))?;
        let copy = self
            .store
            .local_copy(&key)
            .await
            .map_err(|e| JobError::Retryable(e.to_string()))?;
        let path = copy.path.clone();
        let verdict = tokio::task::spawn_blocking(move || examine(&path))
            .await
            .map_err(|e| JobError::Retryable(e.to_string()))?
            .map_err(|e| JobError::Retryable(format!("reading the upload: {e}")))?;
        drop(copy);

        let mut tx = ctx.pool.begin().await?;
        tenant::as_system(&mut tx, payload.workspace_id).await?;
        let event = AuditEvent::new(Actor::System, AuditAction::RecordingChecked)
            .target("recording", payload.recording_id.to_string())
            .workspace(payload.workspace_id);
        let event = match verdict {
            Ok(facts) => {
                if !accept(
                    &mut tx,
                    payload.workspace_id,
                    payload.recording_id,
                    "checking",
                    row.size_bytes,
                    &facts,
                )
                .await?
                {
                    return Ok(());
                }
                // Accepted: the transcription is queued in the same transaction.
                let choice = sqlx::query!(
                    "select transcription_engine, summary_style from workspaces where id = $1",
                    payload.workspace_id
                )
                .fetch_one(&mut *tx)
                .await?;
                crate::transcription::pipeline::queue(
                    &mut tx,
                    payload.workspace_id,
                    payload.recording_id,
                    EngineChoice::from_key(&choice.transcription_engine).unwrap_or(EngineChoice::Local),
                    SummaryStyle::from_key(&choice.summary_style).unwrap_or(SummaryStyle::Brief),
                )
                .await?;
                event.metadata(
                    serde_json::json!({ "title": row.title, "outcome": "accepted", "summary": facts.summary() }),
                )
            }
            Err(reason) => {
                self.store
                    .delete(&key)
                    .await
                    .map_err(|e| JobError::Retryable(e.to_string()))?;
                let updated = sqlx::query!(
                    "update recordings set status = 'rejected', rejection = $2 where id = $1 and status = 'checking'",
                    payload.recording_id,
                    reason
                )
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Ok(());
                }
                event.metadata(serde_json::json!({ "title": row.title, "outcome": "rejected", "reason": reason }))
            }
        };
        audit::service::record(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_told_by_their_first_bytes() {
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WAVEfmt "), Ok(Container::Wav));
        assert_eq!(sniff(b"ID3\x04\x00"), Ok(Container::Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Ok(Container::Mp3));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), Ok(Container::Adts));
        assert_eq!(sniff(b"fLaC\x00"), Ok(Container::Flac));
        assert_eq!(sniff(b"OggS\x00\x02"), Ok(Container::Ogg));
        assert_eq!(sniff(b"\x00\x00\x00\x20ftypM4A "), Ok(Container::Mp4));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]), Ok(Container::Matroska));
        assert_eq!(sniff(b"FORM\x00\x00\x00\x00AIFF"), Ok(Container::Aiff));
    }

    #[test]
    fn other_files_are_refused_in_words() {
        assert!(sniff(b"%PDF-1.7").unwrap_err().contains("a PDF document"));
        assert!(sniff(b"\x89PNG\r\n").unwrap_err().contains("an image"));
        assert!(sniff(b"PK\x03\x04").unwrap_err().contains("ZIP"));
        assert!(sniff(b"hello, this is a note").unwrap_err().contains("text"));
        assert!(sniff(&[0, 1, 2, 3, 250, 7])
            .unwrap_err()
            .contains("not an audio format"));
        assert_eq!(sniff(b"").unwrap_err(), "The file is empty.");
    }
}
