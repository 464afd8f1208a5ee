//! Each workspace's API keys for outside providers: OpenAI-compatible (transcription, summaries,
//! chat) and ElevenLabs (voices). Kept sealed under MASTER_KEY, shown masked, tested on request,
//! never sent to the browser, the logs or the audit log.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provider {
    OpenAi,
    ElevenLabs,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::OpenAi, Provider::ElevenLabs];

    pub fn key(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::ElevenLabs => "elevenlabs",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OpenAi => "OpenAI-compatible",
            Self::ElevenLabs => "ElevenLabs",
        }
    }

    pub fn purpose(self) -> &'static str {
        match self {
            Self::OpenAi => "Transcription, summaries and chat through an OpenAI-compatible API.",
            Self::ElevenLabs => "Voices that read transcripts and summaries aloud.",
        }
    }
}

/// One provider's key as the API keys page shows it: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderKeyView {
    pub provider: Provider,
    /// "••••abcd" when the workspace has a key.
    pub masked: Option<String>,
    pub added_by: Option<String>,
    pub added_at: Option<String>,
    pub last_used_at: Option<String>,
    pub last_tested_at: Option<String>,
    pub last_test_ok: Option<bool>,
    pub last_test_message: Option<String>,
    /// The server has a platform-wide key this workspace falls back to.
    pub platform_fallback: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysView {
    pub workspace_name: String,
    pub keys: Vec<ProviderKeyView>,
    /// Keys can be kept only with MASTER_KEY configured.
    pub available: bool,
}
