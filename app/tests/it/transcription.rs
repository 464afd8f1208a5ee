//! The OpenAI-compatible engine against a wiremock double speaking the documented protocol:
//! the request's shape and key, `verbose_json` read into segments and words, a 429 retried after
//! its `Retry-After`, and a refused key failing at once in words.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use app::transcription::{openai::OpenAiEngine, EngineError};
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

use crate::recordings::wav;

pub(crate) fn verbose_json() -> serde_json::Value {
    serde_json::json!({
        "task": "transcribe", "language": "english", "duration": 2.0,
        "text": "Testing one two.",
        "segments": [{ "id": 0, "seek": 0, "start": 0.0, "end": 2.0, "text": " Testing one two.",
                       "tokens": [1, 2, 3], "temperature": 0.0, "avg_logprob": -0.2,
                       "compression_ratio": 1.0, "no_speech_prob": 0.01 }],
        "words": [{ "word": "Testing", "start": 0.0, "end": 0.8 }, { "word": "one", "start": 0.9, "end": 1.3 },
                  { "word": "two.", "start": 1.4, "end": 2.0 }]
    })
}

/// Answers in turn from `replies` (the last repeats), keeping each request and when it came.
struct Script {
    replies: Vec<ResponseTemplate>,
    seen: Arc<Mutex<Vec<(Instant, Request)>>>,
}

impl Respond for Script {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.push((Instant::now(), request.clone()));
        self.replies[(seen.len() - 1).min(self.replies.len() - 1)].clone()
    }
}

async fn double(replies: Vec<ResponseTemplate>) -> (MockServer, Arc<Mutex<Vec<(Instant, Request)>>>) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .and(header("authorization", "Bearer sk-test-key"))
        .respond_with(Script {
            replies,
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    (server, seen)
}

fn audio_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("audiotricks-openai-{}.wav", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, wav(2, 16_000, 1)).unwrap();
    path
}

#[tokio::test]
async fn a_transcription_request_has_the_documented_shape_and_its_answer_becomes_segments_and_words() {
    let (server, seen) = double(vec![ResponseTemplate::new(200).set_body_json(verbose_json())]).await;
    let engine = OpenAiEngine::new(&server.uri(), "whisper-1").unwrap();
    let file = audio_file();
    let draft = engine
        .transcribe("sk-test-key", &file, "memo.wav", Some("en"))
        .await
        .unwrap();
    assert_eq!(draft.language.as_deref(), Some("en"));
    assert_eq!(draft.text, "Testing one two.");
    assert_eq!(draft.segments[0].words.len(), 3);
    assert_eq!(draft.segments[0].words[2].start_ms, 1400);

    let seen = seen.lock().unwrap();
    let request = &seen[0].1;
    let content_type = request.headers["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&request.body);
    for field in [
        "name=\"model\"\r\n\r\nwhisper-1",
        "name=\"response_format\"\r\n\r\nverbose_json",
        "name=\"timestamp_granularities[]\"\r\n\r\nword",
        "name=\"timestamp_granularities[]\"\r\n\r\nsegment",
        "name=\"language\"\r\n\r\nen",
        "name=\"file\"; filename=\"memo.wav\"",
    ] {
        assert!(body.contains(field), "missing {field:?}");
    }
    assert!(
        request.body.windows(4).any(|w| w == b"RIFF"),
        "the audio is in the body"
    );
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
async fn a_rate_limited_request_waits_for_retry_after_and_a_refused_key_fails_at_once() {
    let (server, seen) = double(vec![
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(serde_json::json!({ "error": { "message": "Rate limit reached", "type": "requests" } })),
        ResponseTemplate::new(200).set_body_json(verbose_json()),
    ])
    .await;
    let mut engine = OpenAiEngine::new(&server.uri(), "whisper-1").unwrap();
    engine.backoff = Duration::from_millis(10);
    let file = audio_file();
    engine.transcribe("sk-test-key", &file, "memo.wav", None).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(
            seen[1].0 - seen[0].0 >= Duration::from_secs(1),
            "waited for Retry-After"
        );
        assert!(
            !String::from_utf8_lossy(&seen[0].1.body).contains("name=\"language\""),
            "auto-detect sends none"
        );
    }

    let (server, seen) = double(vec![ResponseTemplate::new(401).set_body_json(
        serde_json::json!({ "error": { "message": "Incorrect API key provided", "type": "invalid_request_error" } }),
    )])
    .await;
    let engine = OpenAiEngine::new(&server.uri(), "whisper-1").unwrap();
    let refused = engine
        .transcribe("sk-test-key", &file, "memo.wav", None)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        EngineError::Permanent(
            "The transcription service refused the API key. Check the key on the API keys page.".into()
        )
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "no retry for a refused key");

    // Server errors are retried with backoff, then handed back as transient.
    let (server, seen) = double(vec![ResponseTemplate::new(503).set_body_string("upstream down")]).await;
    let mut engine = OpenAiEngine::new(&server.uri(), "whisper-1").unwrap();
    engine.backoff = Duration::from_millis(10);
    let failed = engine
        .transcribe("sk-test-key", &file, "memo.wav", None)
        .await
        .unwrap_err();
    assert!(matches!(failed, EngineError::Transient { .. }), "{failed:?}");
    assert_eq!(seen.lock().unwrap().len(), 4);
    std::fs::remove_file(file).unwrap();
}

/// Word error rate: word-level edit distance over the reference's length, ignoring case and
/// punctuation.
fn word_error_rate(reference: &str, heard: &str) -> f64 {
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let (r, h) = (words(reference), words(heard));
    let mut row: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, hw) in h.iter().enumerate() {
            let substitution = previous + usize::from(rw != hw);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[h.len()] as f64 / r.len().max(1) as f64
}

pub(crate) fn whisper_model() -> std::path::PathBuf {
    let path = std::env::var("WHISPER_TINY_EN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.data/models/ggml-tiny.en.bin"));
    assert!(
        path.exists(),
        "{} is missing: run `make test` (scripts/toolchain.sh makes it)",
        path.display()
    );
    path
}

pub(crate) const SPOKEN: &str = "Good morning everyone. Today we will review the results of the customer survey. \
                      Most people said the new app is easier to use than the old one, but many asked \
                      for better search. The design team will share a first version next week, and we \
                      will test it with ten customers before the end of the month.";

#[tokio::test]
async fn the_local_engine_transcribes_generated_speech_with_few_errors_and_ordered_word_timings() {
    use app::transcription::{audio::decode_16k_mono, local::LocalEngine};
    let scratch = crate::recordings::Objects::new();
    let dir = scratch.0.clone();
    std::fs::create_dir_all(&dir).unwrap();
    let speech = dir.join("speech.wav");
    let spoken = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&speech)
        .arg(SPOKEN)
        .status()
        .expect("espeak-ng is installed by scripts/toolchain.sh");
    assert!(spoken.success());
    // The same speech as Opus, which only ffmpeg decodes.
    let opus = dir.join("speech.opus");
    let encoded = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-i"])
        .arg(&speech)
        .args(["-c:a", "libopus", "-b:a", "32k"])
        .arg(&opus)
        .status()
        .unwrap();
    assert!(encoded.success());

    let resampled = dir.join("speech16k.wav");
    assert!(std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-i"])
        .arg(&speech)
        .args(["-ar", "16000"])
        .arg(&resampled)
        .status()
        .unwrap()
        .success());
    // One thread: whisper.cpp's threads spin-wait, and the other tests run beside this one.
    let engine = Arc::new(LocalEngine::load(&whisper_model(), "tiny.en", 1).unwrap());
    for file in [resampled, speech, opus] {
        let samples = decode_16k_mono(&file).unwrap();
        let seconds = samples.len() as f64 / 16_000.0;
        assert!((10.0..40.0).contains(&seconds), "{seconds} s of speech");
        let progress = Arc::new(Mutex::new(Vec::new()));
        let seen = progress.clone();
        let engine = engine.clone();
        let draft = tokio::task::spawn_blocking(move || {
            engine.transcribe(
                &samples,
                None,
                move |p| seen.lock().unwrap().push(p),
                Arc::new(std::sync::atomic::AtomicBool::new(false)),
            )
        })
        .await
        .unwrap()
        .unwrap();
        let wer = word_error_rate(SPOKEN, &draft.text);
        println!("{}: WER {:.1}% — {:?}", file.display(), wer * 100.0, draft.text);
        assert!(wer <= 0.20, "word error rate {wer:.2} on {:?}", draft.text);
        assert_eq!(draft.language.as_deref(), Some("en"));
        let words: Vec<_> = draft.segments.iter().flat_map(|s| s.words.iter()).collect();
        assert!(words.len() >= 15, "{words:?}");
        for pair in words.windows(2) {
            assert!(
                pair[0].start_ms <= pair[1].start_ms,
                "word timings run forward: {pair:?}"
            );
        }
        let duration = draft.duration_ms.unwrap();
        assert!(words.last().unwrap().end_ms <= duration + 1000, "{duration}");
        assert!(!progress.lock().unwrap().is_empty(), "progress was reported");
    }

    // A cancelled run stops and says so.
    let samples = decode_16k_mono(&dir.join("speech.wav")).unwrap();
    let cancelled = engine.transcribe(
        &samples,
        None,
        |_| {},
        Arc::new(std::sync::atomic::AtomicBool::new(true)),
    );
    assert_eq!(cancelled.unwrap_err(), EngineError::Permanent("Cancelled.".into()));
}
