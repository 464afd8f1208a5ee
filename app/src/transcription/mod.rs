//! Transcription: engines that turn a recording's audio into a transcript (segments with words
//! and timings), behind one interface.
//!
//! A recording becomes ready → `pipeline` queues a job for the workspace's engine (`local`
//! whisper.cpp, or `openai`, any OpenAI-compatible service) → the transcript is stored → a
//! summary job writes the summary and key moments (`summary`, or `chat` with a chat model).
//! `service` and `api` serve pages; `live` pushes each stage to them as it happens.

#[cfg(feature = "ssr")]
pub mod align;
pub mod api;
#[cfg(feature = "ssr")]
pub mod audio;
#[cfg(feature = "ssr")]
pub mod chat;
pub mod chunks;
pub mod cut_editor;
#[cfg(feature = "ssr")]
pub mod docx;
#[cfg(feature = "ssr")]
pub mod download;
#[cfg(feature = "ssr")]
pub mod editing;
#[cfg(feature = "ssr")]
pub mod export;
pub mod history;
pub mod line_editor;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod local;
#[cfg(feature = "ssr")]
pub mod openai;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod pieces;
#[cfg(feature = "ssr")]
pub mod pipeline;
pub mod reader;
#[cfg(feature = "ssr")]
pub mod service;
pub mod speak_card;
#[cfg(feature = "ssr")]
pub mod speakers;
#[cfg(feature = "ssr")]
pub mod store;
pub mod summary;

use serde::{Deserialize, Serialize};

/// A transcript as an engine produces it, before it is stored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TranscriptDraft {
    /// ISO 639-1 code when the engine says ("en").
    pub language: Option<String>,
    pub text: String,
    pub duration_ms: Option<i64>,
    pub segments: Vec<SegmentDraft>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentDraft {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub confidence: Option<f32>,
    pub words: Vec<WordDraft>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WordDraft {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub confidence: Option<f32>,
}

/// Why an engine did not produce a transcript.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Worth trying again later (rate limits, the service busy or unreachable); `retry_after`
    /// when the service said how long to wait.
    #[error("{message}")]
    Transient {
        message: String,
        retry_after: Option<std::time::Duration>,
    },
    /// Will fail the same way every time (a refused key, a file the engine cannot take): in words
    /// for the person who uploaded it.
    #[error("{0}")]
    Permanent(String),
}

/// Which engine transcribes a workspace's recordings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EngineChoice {
    /// whisper.cpp on this server; works offline.
    Local,
    /// An OpenAI-compatible service, with the workspace's key or the platform's.
    OpenAi,
}

impl EngineChoice {
    pub const ALL: [Self; 2] = [Self::Local, Self::OpenAi];

    pub fn key(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::OpenAi => "openai",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Local => "On this server (Whisper, offline)",
            Self::OpenAi => "OpenAI-compatible service",
        }
    }
}

/// Where a recording's transcription stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Queued,
    Preparing,
    Transcribing,
    Summarising,
    Done,
    Failed,
    Cancelled,
}

impl Stage {
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "queued" => Self::Queued,
            "preparing" => Self::Preparing,
            "transcribing" => Self::Transcribing,
            "summarising" => Self::Summarising,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Preparing => "Preparing audio",
            Self::Transcribing => "Transcribing",
            Self::Summarising => "Summarising",
            Self::Done => "Transcribed",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// Still on its way: it can be cancelled, and the page follows it.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Queued | Self::Preparing | Self::Transcribing | Self::Summarising
        )
    }

    /// Overall progress for a bar: each stage a share of the way, transcribing the largest.
    pub fn overall_percent(self, percent: i16) -> i16 {
        let percent = percent.clamp(0, 100);
        match self {
            Self::Queued => 0,
            Self::Preparing => 5,
            Self::Transcribing => 10 + percent * 80 / 100,
            Self::Summarising => 90 + percent / 10,
            Self::Done => 100,
            Self::Failed | Self::Cancelled => 0,
        }
    }
}

/// A recording's transcription as pages show it, live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptionState {
    pub recording_id: String,
    pub stage: Stage,
    /// Within the stage, 0 to 100.
    pub percent: i16,
    pub error: Option<String>,
    /// The model that ran ("local:tiny.en"), once known.
    pub engine: Option<String>,
    pub requested_engine: EngineChoice,
    /// When it last changed (unix ms): of two copies, pages keep the newer.
    pub updated_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentView {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub speaker: Option<String>,
    /// (start ms, end ms, text), in order; empty when the engine gave no word timings.
    pub words: Vec<(i64, i64, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptBody {
    pub version: i32,
    pub language: Option<String>,
    pub engine: String,
    pub segments: Vec<SegmentView>,
    pub word_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryView {
    pub style: summary::SummaryStyle,
    /// "extractive" or "model:{name}".
    pub method: String,
    pub text: String,
    pub key_moments: Vec<summary::KeyMoment>,
}

impl SummaryView {
    pub fn is_extractive(&self) -> bool {
        self.method == "extractive"
    }
}

/// Everything the recording page shows about its transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptView {
    pub state: Option<TranscriptionState>,
    pub transcript: Option<TranscriptBody>,
    pub summary: Option<SummaryView>,
    /// May cancel, transcribe again or change the summary style.
    pub can_run: bool,
    /// An OpenAI key is there (the workspace's or the platform's), so that engine may be chosen.
    pub openai_available: bool,
    /// There is audio to transcribe again (an imported transcript has none).
    pub has_audio: bool,
    /// May cut passages out to make an edited version (the audio is there, outside the trash).
    pub can_cut: bool,
    /// The recording's length, once known.
    pub duration_ms: Option<i64>,
    /// An ElevenLabs key is there (the workspace's or the platform's), so its voices may be used.
    pub elevenlabs_available: bool,
    /// May have it read aloud into a new recording (adds recordings; outside the trash).
    pub can_speak: bool,
}

/// What saving an edited line came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditOutcome {
    /// Saved as `version`, with its words re-timed. `others_changed`: other lines changed since
    /// the editor loaded the transcript (theirs were kept; reloading shows them).
    Saved {
        version: i32,
        line: SegmentView,
        others_changed: bool,
    },
    /// Someone else changed this line since the editor loaded it; nothing was saved.
    Conflict {
        version: i32,
        theirs: SegmentView,
        by: Option<String>,
    },
}

/// One kept version of a transcript, for its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionItem {
    pub version: i32,
    /// "transcribed", "edited" or "restored".
    pub reason: String,
    pub author: Option<String>,
    /// When it was made (for a run of edits: the last one).
    pub at: String,
    /// For a run of edits: when the first one was made.
    pub started_at: Option<String>,
    pub word_count: i32,
    pub current: bool,
}

/// "1:02:03", "2:03", "75" or "75s" → milliseconds.
pub fn clock_ms(stamp: &str) -> Option<i64> {
    let stamp = stamp
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('s');
    let parts: Vec<&str> = stamp.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut seconds = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let value: f64 = part.trim().parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
        if i > 0 && value >= 60.0 {
            return None;
        }
        seconds = seconds * 60.0 + value;
    }
    Some((seconds * 1000.0).round() as i64)
}

/// "1:02:03" or "2:03".
pub fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
