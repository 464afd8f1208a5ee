//! Outside providers: where the OpenAI-compatible and ElevenLabs APIs are, and optional
//! platform-wide keys that workspaces without their own fall back to.

use super::{file::FileProviders, ConfigError, Env, Overlay, Secret};

#[derive(Clone, Debug)]
pub struct ProvidersConfig {
    /// `https://api.openai.com`, or Groq, or a self-hosted whisper server.
    pub openai_base_url: String,
    pub openai_transcription_model: String,
    /// A chat model (`POST {base}/v1/chat/completions`) that writes summaries; without one they
    /// are extractive, made locally.
    pub openai_chat_model: Option<String>,
    /// Used when a workspace has no OpenAI key of its own.
    pub openai_api_key: Option<Secret>,
    pub elevenlabs_base_url: String,
    pub elevenlabs_api_key: Option<Secret>,
}

fn base_url(setting: &'static str, env: &'static str, value: String) -> Result<String, ConfigError> {
    let value = value.trim().trim_end_matches('/').to_owned();
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.split_once("://").is_some_and(|(_, rest)| !rest.is_empty())
        && !value.contains(['?', '#', ' ']);
    if !ok {
        return Err(ConfigError::Invalid {
            setting,
            env,
            message: "must be an http:// or https:// URL without a query".into(),
        });
    }
    Ok(value)
}

pub(super) fn providers(file: FileProviders, over: &Overlay<'_, impl Env>) -> Result<ProvidersConfig, ConfigError> {
    let secret = |env: &'static str| over.env.get(env).filter(|v| !v.trim().is_empty()).map(Secret::new);
    let model = over
        .string("OPENAI_TRANSCRIPTION_MODEL", file.openai_transcription_model)
        .trim()
        .to_owned();
    if model.is_empty() || model.len() > 100 {
        return Err(ConfigError::Invalid {
            setting: "providers.openai_transcription_model",
            env: "OPENAI_TRANSCRIPTION_MODEL",
            message: "must name a model, like whisper-1".into(),
        });
    }
    let chat_model = over
        .string("OPENAI_CHAT_MODEL", file.openai_chat_model)
        .trim()
        .to_owned();
    if chat_model.len() > 100 || chat_model.contains(char::is_whitespace) {
        return Err(ConfigError::Invalid {
            setting: "providers.openai_chat_model",
            env: "OPENAI_CHAT_MODEL",
            message: "must name a model, like gpt-4o-mini, or be empty".into(),
        });
    }
    Ok(ProvidersConfig {
        openai_base_url: base_url(
            "providers.openai_base_url",
            "OPENAI_BASE_URL",
            over.string("OPENAI_BASE_URL", file.openai_base_url),
        )?,
        openai_transcription_model: model,
        openai_chat_model: Some(chat_model).filter(|m| !m.is_empty()),
        openai_api_key: secret("OPENAI_API_KEY"),
        elevenlabs_base_url: base_url(
            "providers.elevenlabs_base_url",
            "ELEVENLABS_BASE_URL",
            over.string("ELEVENLABS_BASE_URL", file.elevenlabs_base_url),
        )?,
        elevenlabs_api_key: secret("ELEVENLABS_API_KEY"),
    })
}
