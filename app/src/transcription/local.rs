//! The local engine: whisper.cpp through whisper-rs, with Whisper tiny.en or base weights
//! converted to ggml by `scripts/whisper_model.py`. Works offline. whisper.cpp's threads
//! spin-wait for each other, so callers run one transcription at a time with its own thread
//! budget.

use std::{
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use super::{EngineError, SegmentDraft, TranscriptDraft, WordDraft};

unsafe extern "C" fn abort_when_cancelled(flag: *mut std::ffi::c_void) -> bool {
    // SAFETY: set up in `transcribe` to point at its `AtomicBool`, alive for the whole run.
    unsafe { (*(flag as *const AtomicBool)).load(Ordering::Relaxed) }
}

pub struct LocalEngine {
    context: WhisperContext,
    model: String,
    threads: usize,
    /// tiny.en knows English only; base detects the language or takes the one chosen.
    english_only: bool,
}

impl LocalEngine {
    /// Loads `ggml-{model}.bin`; `model` is "tiny.en" or "base".
    pub fn load(path: &Path, model: &str, threads: usize) -> Result<Self, String> {
        // whisper.cpp's own chatter goes to our log (as `whisper_rs` events), not to stderr.
        whisper_rs::install_logging_hooks();
        let path = path
            .to_str()
            .ok_or_else(|| format!("the model path {} is not UTF-8", path.display()))?;
        let context = WhisperContext::new_with_params(path, WhisperContextParameters::default())
            .map_err(|e| format!("the Whisper model {path} could not be loaded: {e}"))?;
        Ok(Self {
            context,
            model: model.to_owned(),
            threads: threads.max(1),
            english_only: model.ends_with(".en"),
        })
    }

    /// "local:tiny.en", as stored with the transcript.
    pub fn name(&self) -> String {
        format!("local:{}", self.model)
    }

    /// Transcribes 16 kHz mono samples. `progress` hears 0–100 as whisper.cpp goes; setting
    /// `cancelled` stops it at the next step.
    pub fn transcribe(
        &self,
        samples: &[f32],
        language: Option<&str>,
        progress: impl FnMut(i32) + 'static,
        cancelled: Arc<AtomicBool>,
    ) -> Result<TranscriptDraft, EngineError> {
        let duration_ms = (samples.len() as i64) * 1000 / i64::from(super::audio::RATE);
        // No sound at all: nothing to hear, and the model would only make words up.
        if samples.iter().all(|s| s.abs() < 1e-4) {
            return Ok(TranscriptDraft {
                language: self.english_only.then(|| "en".to_owned()),
                text: String::new(),
                duration_ms: Some(duration_ms),
                segments: Vec::new(),
            });
        }
        let language = match language.filter(|l| *l != "auto") {
            _ if self.english_only => Some("en"),
            Some(l) => Some(l),
            None => Some("auto"),
        };
        // Beam search: a little slower than greedy, and steadier on unclear speech.
        let mut params = FullParams::new(SamplingStrategy::BeamSearch {
            beam_size: 5,
            patience: -1.0,
        });
        params.set_n_threads(self.threads as i32);
        params.set_language(language);
        params.set_token_timestamps(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_progress_callback_safe(progress);
        // Our own abort hook: whisper-rs 0.16's `set_abort_callback_safe` reads its closure
        // through the wrong type (undefined behaviour that aborted runs at random).
        // SAFETY: the flag is an `AtomicBool` kept alive by `cancelled` until `full` returns.
        unsafe {
            params.set_abort_callback(Some(abort_when_cancelled));
            params.set_abort_callback_user_data(Arc::as_ptr(&cancelled) as *mut std::ffi::c_void);
        }
        let mut state = self
            .context
            .create_state()
            .map_err(|e| EngineError::Permanent(format!("The local engine could not start: {e}")))?;
        let outcome = state.full(params, samples);
        // An aborted run may still end "successfully" with what it had: it is cancelled either way.
        if cancelled.load(Ordering::Relaxed) {
            return Err(EngineError::Permanent("Cancelled.".into()));
        }
        outcome.map_err(|e| EngineError::Permanent(format!("The local engine failed: {e}")))?;
        let detected = whisper_rs::get_lang_str(state.full_lang_id_from_state()).map(str::to_owned);
        let mut segments = Vec::new();
        for segment in state.as_iter() {
            let text = segment.to_str_lossy().map(|t| t.trim().to_owned()).unwrap_or_default();
            if text.is_empty() {
                continue;
            }
            let start_ms = segment.start_timestamp().max(0) * 10;
            let end_ms = (segment.end_timestamp() * 10).max(start_ms);
            let mut words: Vec<WordDraft> = Vec::new();
            let mut probabilities = Vec::new();
            for i in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(i) else { continue };
                let piece = token.to_str_lossy().map(|t| t.into_owned()).unwrap_or_default();
                // Special tokens ([_BEG_], <|endoftext|>, timestamps) are not words.
                if piece.starts_with("[_") || piece.starts_with("<|") || piece.is_empty() {
                    continue;
                }
                let data = token.token_data();
                let (t0, t1) = ((data.t0.max(0)) * 10, (data.t1.max(0)) * 10);
                let probability = token.token_probability();
                probabilities.push(probability);
                match words.last_mut() {
                    // A piece without a leading space continues the word before it.
                    Some(word) if !piece.starts_with(' ') => {
                        word.text.push_str(&piece);
                        word.end_ms = word.end_ms.max(t1);
                        word.confidence = word.confidence.map(|c| c.min(probability));
                    }
                    _ => words.push(WordDraft {
                        start_ms: t0.max(start_ms),
                        end_ms: t1.max(t0),
                        text: piece.trim_start().to_owned(),
                        confidence: Some(probability),
                    }),
                }
            }
            words.retain(|w| !w.text.is_empty());
            let confidence =
                (!probabilities.is_empty()).then(|| probabilities.iter().sum::<f32>() / probabilities.len() as f32);
            segments.push(SegmentDraft {
                start_ms,
                end_ms,
                text,
                confidence,
                words,
            });
        }
        let text = segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
        Ok(TranscriptDraft {
            language: if self.english_only { Some("en".into()) } else { detected },
            text,
            duration_ms: Some(duration_ms),
            segments,
        })
    }
}
