//! The local speech engine (whisper.cpp) and summaries by a chat model.

use std::path::PathBuf;

use super::{file::FileTranscription, ConfigError, Env, Overlay};

#[derive(Clone, Debug)]
pub struct TranscriptionConfig {
    /// Holds `ggml-{model}.bin`, as `scripts/toolchain.sh` prepares it.
    pub model_dir: PathBuf,
    /// "tiny.en" (English only, the default) or "base" (multilingual).
    pub model: String,
    /// whisper.cpp threads for the one local transcription that runs at a time.
    pub threads: usize,
}

impl TranscriptionConfig {
    pub fn model_path(&self) -> PathBuf {
        self.model_dir.join(format!("ggml-{}.bin", self.model))
    }
}

pub(super) fn transcription(
    file: FileTranscription,
    over: &Overlay<'_, impl Env>,
) -> Result<TranscriptionConfig, ConfigError> {
    let model = over.string("WHISPER_MODEL", file.model).trim().to_owned();
    if !matches!(model.as_str(), "tiny.en" | "base") {
        return Err(ConfigError::Invalid {
            setting: "transcription.model",
            env: "WHISPER_MODEL",
            message: format!("must be tiny.en or base, not {model:?}"),
        });
    }
    let threads: usize = over.parsed("transcription.threads", "WHISPER_THREADS", file.threads)?;
    if threads > 64 {
        return Err(ConfigError::Invalid {
            setting: "transcription.threads",
            env: "WHISPER_THREADS",
            message: "must be 0 (one per core) to 64".into(),
        });
    }
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    Ok(TranscriptionConfig {
        model_dir: over.string("WHISPER_MODEL_DIR", file.model_dir).into(),
        model,
        threads,
    })
}
