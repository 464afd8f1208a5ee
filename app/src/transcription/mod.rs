//! Transcription: engines that turn a recording's audio into a transcript (segments with words
//! and timings), behind one interface.
//!
//! Built so far: the transcript model (tables in the `transcripts` migration), audio preparation,
//! the local whisper.cpp engine and the OpenAI-compatible engine. The pipeline that runs engines
//! as jobs, and the pages, come next (issue "Transcription pipeline").

#[cfg(feature = "ssr")]
pub mod audio;
#[cfg(feature = "ssr")]
pub mod local;
#[cfg(feature = "ssr")]
pub mod openai;

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
