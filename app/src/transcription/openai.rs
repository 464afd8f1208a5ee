//! The OpenAI-compatible engine: `POST {base}/v1/audio/transcriptions` with `verbose_json` and
//! word and segment timestamps. The base URL and model are configurable, so OpenAI, Groq or a
//! self-hosted whisper server all work. Transient failures (429, 5xx, timeouts) are retried here
//! with backoff that honours `Retry-After`; permanent ones come back at once in words.

use std::{path::Path, time::Duration};

use serde::Deserialize;

use super::{EngineError, SegmentDraft, TranscriptDraft, WordDraft};

/// OpenAI takes files up to 25 MB; larger ones are split before they get here.
pub const MAX_UPLOAD_BYTES: u64 = 25 * 1000 * 1000;
/// Attempts per request before a transient failure is handed back to the job queue.
const ATTEMPTS: u32 = 4;
const LONGEST_WAIT: Duration = Duration::from_secs(120);

pub struct OpenAiEngine {
    base_url: String,
    model: String,
    client: reqwest::Client,
    /// First backoff step (doubling); tests shorten it.
    pub backoff: Duration,
}

#[derive(Deserialize)]
struct Verbose {
    language: Option<String>,
    duration: Option<f64>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    segments: Vec<VerboseSegment>,
    #[serde(default)]
    words: Vec<VerboseWord>,
}

#[derive(Deserialize)]
struct VerboseSegment {
    start: f64,
    end: f64,
    text: String,
    avg_logprob: Option<f64>,
}

#[derive(Deserialize)]
struct VerboseWord {
    word: String,
    start: f64,
    end: f64,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
}

fn ms(seconds: f64) -> i64 {
    (seconds.max(0.0) * 1000.0).round() as i64
}

/// Whisper's language names in `verbose_json` ("english") as ISO 639-1 codes where we know them.
fn language_code(name: &str) -> String {
    match name.to_lowercase().as_str() {
        "english" => "en",
        "german" => "de",
        "spanish" => "es",
        "french" => "fr",
        "italian" => "it",
        "japanese" => "ja",
        "dutch" => "nl",
        "portuguese" => "pt",
        "chinese" => "zh",
        other => return other.to_owned(),
    }
    .to_owned()
}

impl Verbose {
    fn into_draft(self) -> TranscriptDraft {
        let mut words = self.words.into_iter().peekable();
        let segments = self
            .segments
            .into_iter()
            .map(|s| {
                let (start_ms, end_ms) = (ms(s.start), ms(s.end).max(ms(s.start)));
                // Words belong to the segment their start falls in (the last one takes the rest).
                let mut own = Vec::new();
                while let Some(w) = words.next_if(|w| ms(w.start) < end_ms) {
                    own.push(WordDraft {
                        start_ms: ms(w.start),
                        end_ms: ms(w.end).max(ms(w.start)),
                        text: w.word.trim().to_owned(),
                        confidence: None,
                    });
                }
                SegmentDraft {
                    start_ms,
                    end_ms,
                    text: s.text.trim().to_owned(),
                    confidence: s.avg_logprob.map(|p| p.exp().clamp(0.0, 1.0) as f32),
                    words: own,
                }
            })
            .collect::<Vec<_>>();
        let mut segments = segments;
        if let Some(last) = segments.last_mut() {
            last.words.extend(words.map(|w| WordDraft {
                start_ms: ms(w.start),
                end_ms: ms(w.end).max(ms(w.start)),
                text: w.word.trim().to_owned(),
                confidence: None,
            }));
        }
        TranscriptDraft {
            language: self.language.as_deref().map(language_code),
            text: self.text.trim().to_owned(),
            duration_ms: self.duration.map(ms),
            segments,
        }
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs(wait.whole_seconds().max(0) as u64))
}

impl OpenAiEngine {
    pub fn new(base_url: &str, model: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            client: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(15 * 60))
                .build()?,
            backoff: Duration::from_secs(2),
        })
    }

    /// "openai:whisper-1", as stored with the transcript.
    pub fn name(&self) -> String {
        format!("openai:{}", self.model)
    }

    /// Transcribes one file of at most 25 MB.
    pub async fn transcribe(
        &self,
        api_key: &str,
        path: &Path,
        file_name: &str,
        language: Option<&str>,
    ) -> Result<TranscriptDraft, EngineError> {
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|e| EngineError::Permanent(format!("The audio to send could not be read: {e}.")))?
            .len();
        if size > MAX_UPLOAD_BYTES {
            return Err(EngineError::Permanent(
                "This piece of audio is larger than the engine accepts (25 MB).".into(),
            ));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send(api_key, path, file_name, language).await {
                Err(EngineError::Transient { message, retry_after }) if attempt < ATTEMPTS => {
                    let wait = retry_after
                        .unwrap_or(self.backoff * 2_u32.pow(attempt - 1))
                        .min(LONGEST_WAIT);
                    tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, %message, "transcription request will be retried");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn send(
        &self,
        api_key: &str,
        path: &Path,
        file_name: &str,
        language: Option<&str>,
    ) -> Result<TranscriptDraft, EngineError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| EngineError::Permanent(format!("The audio to send could not be read: {e}.")))?;
        let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let part = reqwest::multipart::Part::stream_with_length(body, size).file_name(file_name.to_owned());
        let mut form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("model", self.model.clone())
            .text("response_format", "verbose_json")
            .text("timestamp_granularities[]", "word")
            .text("timestamp_granularities[]", "segment");
        if let Some(language) = language.filter(|l| *l != "auto") {
            form = form.text("language", language.to_owned());
        }
        let sent = self
            .client
            .post(format!("{}/v1/audio/transcriptions", self.base_url))
            .bearer_auth(api_key)
            .multipart(form)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                return Err(EngineError::Transient {
                    message: if e.is_timeout() {
                        "The transcription service took too long to answer.".into()
                    } else {
                        format!("The transcription service could not be reached: {e}")
                    },
                    retry_after: None,
                })
            }
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        let text = response.text().await.map_err(|e| EngineError::Transient {
            message: format!("The transcription service's answer broke off: {e}"),
            retry_after: None,
        })?;
        if status.is_success() {
            let verbose: Verbose = serde_json::from_str(&text).map_err(|e| {
                EngineError::Permanent(format!(
                    "The transcription service answered in a form we do not read ({e})."
                ))
            })?;
            return Ok(verbose.into_draft());
        }
        let said = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| text.chars().take(200).collect());
        Err(match status.as_u16() {
            429 => EngineError::Transient {
                message: format!("The transcription service is busy or over its rate limit: {said}"),
                retry_after: wait,
            },
            500..=599 => EngineError::Transient {
                message: format!("The transcription service failed ({status}): {said}"),
                retry_after: wait,
            },
            401 | 403 => EngineError::Permanent(
                "The transcription service refused the API key. Check the key on the API keys page.".into(),
            ),
            413 => EngineError::Permanent("The transcription service says this audio is too large.".into()),
            _ => EngineError::Permanent(format!("The transcription service refused this audio: {said}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fall_into_the_segment_they_start_in() {
        let verbose: Verbose = serde_json::from_value(serde_json::json!({
            "language": "english", "duration": 4.5, "text": " Hello there. General Kenobi.",
            "segments": [
                { "start": 0.0, "end": 1.5, "text": " Hello there.", "avg_logprob": -0.1 },
                { "start": 1.5, "end": 4.5, "text": " General Kenobi.", "avg_logprob": -0.3 }
            ],
            "words": [
                { "word": "Hello", "start": 0.0, "end": 0.6 },
                { "word": "there.", "start": 0.7, "end": 1.4 },
                { "word": "General", "start": 1.6, "end": 2.4 },
                { "word": "Kenobi.", "start": 2.5, "end": 4.6 }
            ]
        }))
        .unwrap();
        let draft = verbose.into_draft();
        assert_eq!(draft.language.as_deref(), Some("en"));
        assert_eq!(draft.text, "Hello there. General Kenobi.");
        assert_eq!(draft.duration_ms, Some(4500));
        assert_eq!(draft.segments.len(), 2);
        let words: Vec<Vec<&str>> = draft
            .segments
            .iter()
            .map(|s| s.words.iter().map(|w| w.text.as_str()).collect())
            .collect();
        assert_eq!(words, [vec!["Hello", "there."], vec!["General", "Kenobi."]]);
        assert_eq!(draft.segments[1].words[1].end_ms, 4600);
        let confidence = draft.segments[0].confidence.unwrap();
        assert!((confidence - (-0.1_f64).exp() as f32).abs() < 1e-6);
    }
}
