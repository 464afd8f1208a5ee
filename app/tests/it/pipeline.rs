//! The transcription pipeline end to end on a real database: an accepted upload is queued in the
//! same transaction, transcribed (local whisper.cpp, or an OpenAI-compatible double), summarised,
//! counted once, followed live, cancelled and run again.

use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use http_body_util::BodyExt;
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

use crate::accounts::{Browser, Site};
use crate::recordings::{acme_id, check_uploads, site, upload, wav, Objects};
use crate::support::{eventually, fast_options, Workers};
use crate::transcription::{verbose_json, whisper_model, SPOKEN};
use crate::workspaces::owner_of_acme;
use app::{
    server::{jobs::Registry, secrets::SecretBox, Config},
    storage::Store,
    transcription::pipeline,
};

/// Long enough for tiny.en on a loaded machine; a stage that never ends fails the test.
const TRANSCRIBE_WAIT: Duration = Duration::from_secs(180);

fn speech() -> Vec<u8> {
    let objects = Objects::new();
    std::fs::create_dir_all(&objects.0).unwrap();
    let file = objects.0.join("speech.wav");
    let spoken = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&file)
        .arg(SPOKEN)
        .status()
        .expect("espeak-ng is installed by scripts/toolchain.sh");
    assert!(spoken.success());
    std::fs::read(&file).unwrap()
}

pub(crate) fn settings(objects: &Objects) -> Vec<(&'static str, String)> {
    let model = whisper_model();
    vec![
        ("STORAGE_DIR", objects.0.display().to_string()),
        ("WHISPER_MODEL_DIR", model.parent().unwrap().display().to_string()),
        ("WHISPER_THREADS", "1".into()),
    ]
}

pub(crate) fn pairs<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub(crate) fn registry(config: &Config) -> Registry {
    let secrets = config
        .master_key
        .as_ref()
        .map(|k| Arc::new(SecretBox::parse(k.expose()).unwrap()));
    let store = Arc::new(Store::from_config(&config.storage, secrets.as_deref()));
    pipeline::register(Registry::new(), store, config, secrets).unwrap()
}

/// Runs the pipeline's jobs until none is left to do.
pub(crate) async fn run_pipeline(site: &Site, registry: Registry) {
    let workers = Workers::start(&site.db.app, registry, fast_options());
    eventually(TRANSCRIBE_WAIT, "the transcription jobs to finish", || async {
        let left = site
            .count(
                "select count(*) from jobs
                 where (kind like 'transcription.%' or kind in ('recording.render_edit', 'recording.speak'))
                   and state in ('queued', 'running')",
            )
            .await;
        (left == 0).then_some(())
    })
    .await;
    workers.stop().await;
}

/// Calls `/api/transcripts/{what}` for the recording `id` in Acme, with `extra` fields.
pub(crate) async fn act(browser: &mut Browser, what: &str, id: &str, extra: &[(&str, &str)]) -> crate::accounts::Reply {
    let mut fields = vec![("workspace", "acme"), ("id", id)];
    fields.extend_from_slice(extra);
    browser.post(&format!("/api/transcripts/{what}"), &fields).await
}

/// Acme's library searched for `q`.
async fn search(browser: &mut Browser, q: &str) -> Vec<serde_json::Value> {
    let reply = browser
        .post(
            "/api/recordings/library",
            &[("workspace", "acme"), ("trash", "false"), ("page", "1"), ("q", q)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["recordings"].as_array().unwrap().clone()
}

pub(crate) async fn transcript(browser: &mut Browser, id: &str) -> serde_json::Value {
    let reply = act(browser, "view", id, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// Runs `sql` inside Acme's tenant context (Row-Level Security applies to the owner role too).
pub(crate) async fn in_acme<T>(site: &Site, sql: &str, bind: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let acme = acme_id(site).await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::as_system(&mut tx, acme).await.unwrap();
    let rows = sqlx::query_as(sql).bind(bind).fetch_all(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    rows
}

async fn usage(site: &Site, kind: &str) -> Vec<(i64, String)> {
    in_acme(
        site,
        "select quantity, idempotency_key from usage_events where kind = $1 order by id",
        kind,
    )
    .await
}

#[tokio::test]
async fn an_accepted_upload_is_transcribed_locally_summarised_and_counted_once() {
    let objects = Objects::new();
    let settings = settings(&objects);
    let site = site(&objects, &pairs(&settings)).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload(&mut ada, "Standup.wav", &speech()).await;
    check_uploads(&site, &objects).await;

    // Accepted, so queued in the same transaction as the check.
    let queued = transcript(&mut ada, &id).await;
    assert_eq!(queued["state"]["stage"], "Queued", "{queued}");
    assert_eq!(queued["state"]["requested_engine"], "Local");
    assert!(queued["transcript"].is_null());
    assert_eq!(queued["can_run"], true);

    let config = site.db.config(&pairs(&settings));
    run_pipeline(&site, registry(&config)).await;
    let done = transcript(&mut ada, &id).await;
    assert_eq!(done["state"]["stage"], "Done", "{done}");
    assert_eq!(done["state"]["engine"], "local:tiny.en");
    let body = &done["transcript"];
    let text: String = body["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("customer survey") && text.contains("design team"),
        "{text}"
    );
    assert!(body["word_count"].as_i64().unwrap() >= 40, "{body}");
    let starts: Vec<i64> = body["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start_ms"].as_i64().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    let summary = &done["summary"];
    assert_eq!(summary["method"], "extractive");
    assert_eq!(summary["style"], "Brief");
    assert!(!summary["text"].as_str().unwrap().is_empty());
    let moments = summary["key_moments"].as_array().unwrap();
    assert_eq!(moments.len(), 3, "{summary}");
    // The transcript is searchable.
    let found: Vec<(uuid::Uuid,)> = in_acme(
        &site,
        "select recording_id from transcripts where search @@ plainto_tsquery('simple', $1)",
        "survey",
    )
    .await;
    assert_eq!(found.len(), 1);

    // Audio seconds counted once, under the job's key.
    let seconds = usage(&site, "transcription.audio").await;
    assert_eq!(seconds.len(), 1);
    assert!((15..60).contains(&seconds[0].0), "{seconds:?}");
    let finished = site
        .count(
            "select count(*) from audit_log where action = 'transcription.finished' and metadata->>'outcome' = 'done'",
        )
        .await;
    assert_eq!(finished, 1);

    // The library finds it by its transcript's words, with the match marked in a snippet.
    let hits = search(&mut ada, "customer survey").await;
    assert_eq!(hits.len(), 1);
    let snippet = hits[0]["snippet"].as_str().unwrap();
    assert!(snippet.to_lowercase().contains("\u{2}survey"), "{snippet:?}");
    assert_eq!(search(&mut ada, "standup").await.len(), 1, "titles too");
    assert!(search(&mut ada, "zebra").await.is_empty());
    assert!(search(&mut ada, "").await[0]["snippet"].is_null());

    // Exports: subtitles that follow the words, text with the summary; each one counted.
    let srt = ada
        .get(&format!("/w/acme/recordings/{id}/export?format=srt&speakers=1"))
        .await;
    assert_eq!(srt.status, StatusCode::OK, "{}", srt.body);
    assert!(srt.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("Standup.srt"));
    let blocks: Vec<&str> = srt.body.trim().split("\n\n").collect();
    assert!(blocks.len() >= 3, "{}", srt.body);
    let mut said = Vec::new();
    let mut previous_end = 0;
    for (i, block) in blocks.iter().enumerate() {
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines[0], (i + 1).to_string());
        let (from, to) = lines[1].split_once(" --> ").unwrap();
        let ms = |t: &str| {
            let (hms, millis) = t.split_once(',').unwrap();
            let parts: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
            ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + millis.parse::<i64>().unwrap()
        };
        assert!(ms(from) >= previous_end && ms(to) > ms(from), "{block}");
        previous_end = ms(to);
        assert!((3..=4).contains(&lines.len()), "one or two lines: {block}");
        assert!(lines[2..].iter().all(|l| l.chars().count() <= 42), "{block}");
        said.extend(lines[2..].iter().flat_map(|l| l.split_whitespace()));
    }
    let words_said = said.len() as i64;
    assert_eq!(words_said, body["word_count"].as_i64().unwrap(), "every word once");
    let text = ada
        .get(&format!(
            "/w/acme/recordings/{id}/export?format=txt&summary=1&timestamps=1"
        ))
        .await;
    assert!(text.body.starts_with("Standup\n\nSummary (Brief)\n"), "{}", text.body);
    assert!(text.body.contains("[0:00] "));
    let wrong = ada.get(&format!("/w/acme/recordings/{id}/export?format=pdf")).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(usage(&site, "export.file").await.len(), 2);

    // A public link shows the transcript and summary too, read-only.
    let link = crate::sharing::create_link(&mut ada, &id, "7", "").await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    let token = crate::sharing::token_of(link.json().as_str().unwrap());
    let mut visitor = site.browser(crate::accounts::FIREFOX, "203.0.113.9");
    let shared = crate::sharing::open(&mut visitor, &token).await;
    let recording = &shared["Open"]["Recording"];
    assert_eq!(recording["transcript"]["segments"], body["segments"]);
    assert_eq!(recording["summary"]["text"], summary["text"]);
    assert!(crate::sharing::visible_with_token(&site, &token, "transcript_words").await >= 40);
    assert_eq!(
        crate::sharing::visible_with_token(&site, &token, "usage_events").await,
        0
    );

    // The same job run again (a crash after it committed) stores a new version, counts nothing new.
    let job: uuid::Uuid =
        sqlx::query_scalar("select id from jobs where kind = 'transcription.local' order by created_at desc limit 1")
            .fetch_one(&site.db.owner)
            .await
            .unwrap();
    sqlx::query("update jobs set state = 'queued', run_at = now() where id = $1")
        .bind(job)
        .execute(&site.db.owner)
        .await
        .unwrap();
    let _: Vec<(String,)> = in_acme(
        &site,
        "update transcriptions set stage = 'queued', job_id = $1::uuid returning stage",
        &job.to_string(),
    )
    .await;
    run_pipeline(&site, registry(&config)).await;
    let again = transcript(&mut ada, &id).await;
    assert_eq!(again["state"]["stage"], "Done", "{again}");
    assert_eq!(again["transcript"]["version"], 2);
    assert_eq!(usage(&site, "transcription.audio").await.len(), 1, "counted once");
}

#[tokio::test]
async fn a_transcription_can_be_cancelled_and_run_again_and_pages_follow_it_live() {
    let objects = Objects::new();
    let settings = settings(&objects);
    let site = site(&objects, &pairs(&settings)).await;
    let mut ada = owner_of_acme(&site).await;
    // Three seconds of silence: the model is never run on it.
    let mut silence = wav(3, 16_000, 1);
    silence[44..].fill(0);
    let id = upload(&mut ada, "Quiet.wav", &silence).await;
    check_uploads(&site, &objects).await;

    // The recording's live stream starts with its state.
    let stream = ada
        .open(
            axum::http::Request::get(format!("/w/acme/live/transcriptions?recording={id}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut body = stream.into_body();
    let mut next_event = async || -> String {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                let text = String::from_utf8_lossy(&data).into_owned();
                if text.contains("event: progress") {
                    return text;
                }
            }
        }
    };
    assert!(next_event().await.contains("\"stage\":\"Queued\""));

    let cancelled = act(&mut ada, "cancel", &id, &[]).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert!(
        next_event().await.contains("\"stage\":\"Cancelled\""),
        "pushed to the page"
    );
    assert_eq!(
        site.count("select count(*) from jobs where kind = 'transcription.local' and state = 'cancelled'")
            .await,
        1
    );
    let twice = act(&mut ada, "cancel", &id, &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // No OpenAI key: that engine is refused in words; the local one runs.
    let openai = act(&mut ada, "transcribe", &id, &[("engine", "openai")]).await;
    assert_eq!(openai.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", openai.body);
    assert!(openai.body.contains("API keys page"));
    let again = act(&mut ada, "transcribe", &id, &[("engine", "local")]).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(next_event().await.contains("\"stage\":\"Queued\""));
    let config = site.db.config(&pairs(&settings));
    run_pipeline(&site, registry(&config)).await;
    let done = transcript(&mut ada, &id).await;
    assert_eq!(done["state"]["stage"], "Done", "{done}");
    // No words: the summary says so rather than inventing one.
    assert_eq!(done["transcript"]["segments"], serde_json::json!([]));
    assert_eq!(done["summary"]["text"], "No speech was found in this recording.");
    assert_eq!(done["summary"]["key_moments"], serde_json::json!([]));

    // A new summary style is a new summary job; a viewer may read but not ask for it.
    let restyle = act(&mut ada, "summarise", &id, &[("style", "actions")]).await;
    assert_eq!(restyle.status, StatusCode::OK, "{}", restyle.body);
    run_pipeline(&site, registry(&config)).await;
    assert_eq!(transcript(&mut ada, &id).await["summary"]["style"], "Actions");
    let audited = site
        .count("select count(*) from audit_log where action in ('transcription.cancelled', 'transcription.requested')")
        .await;
    assert_eq!(audited, 3);

    // Another workspace's member gets nothing, live or not.
    let mut eve = site.verified_account("Eve", "eve@example.com").await;
    eve.log_in("eve@example.com", crate::accounts::PASSWORD).await;
    let peek = eve
        .open(
            axum::http::Request::get(format!("/w/acme/live/transcriptions?recording={id}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        matches!(peek.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        peek.status()
    );
}

/// Answers a transcription with one word 5 s into whatever piece it was sent, and a chat
/// completion with a summary; records each request's size.
struct Service {
    sizes: Arc<std::sync::Mutex<Vec<usize>>>,
}

impl Respond for Service {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() == "/v1/chat/completions" {
            let asked: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            assert_eq!(asked["model"], "gpt-test");
            assert_eq!(asked["response_format"]["type"], "json_object");
            let content = serde_json::json!({
                "summary": "The team looked at the survey.",
                "key_moments": [
                    { "seconds": 5, "title": "Survey results" },
                    { "seconds": 70, "title": "Search requests" },
                    { "seconds": 130, "title": "Next steps" }
                ]
            });
            return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "choices": [{ "index": 0, "message": { "role": "assistant", "content": content.to_string() } }],
                "usage": { "prompt_tokens": 100, "completion_tokens": 23, "total_tokens": 123 }
            }));
        }
        self.sizes.lock().unwrap().push(request.body.len());
        let mut reply = verbose_json();
        reply["words"] = serde_json::json!([{ "word": "piece.", "start": 5.0, "end": 5.4 }]);
        reply["segments"][0]["start"] = 5.0.into();
        reply["segments"][0]["end"] = 5.4.into();
        reply["segments"][0]["text"] = " piece.".into();
        ResponseTemplate::new(200).set_body_json(reply)
    }
}

#[tokio::test]
async fn the_openai_engine_sends_long_audio_in_pieces_and_a_chat_model_writes_the_summary() {
    let service = MockServer::start().await;
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer sk-platform"))
        .respond_with(Service { sizes: sizes.clone() })
        .mount(&service)
        .await;
    let objects = Objects::new();
    let mut settings = settings(&objects);
    settings.extend([
        ("OPENAI_BASE_URL", service.uri()),
        ("OPENAI_API_KEY", "sk-platform".to_owned()),
        ("OPENAI_CHAT_MODEL", "gpt-test".to_owned()),
    ]);
    let site = site(&objects, &pairs(&settings)).await;
    let mut ada = owner_of_acme(&site).await;
    // The workspace switches engines on its settings page.
    let saved = ada
        .post(
            "/api/workspaces/settings/update",
            &[
                ("workspace", "acme"),
                ("name", "Acme"),
                ("slug", "acme"),
                ("default_language", "en"),
                ("retention_days", ""),
                ("timezone", "UTC"),
                ("transcription_engine", "openai"),
                ("summary_style", "bullets"),
            ],
        )
        .await;
    assert!(
        saved.status.is_success() || saved.status.is_redirection(),
        "{}",
        saved.body
    );
    // 150 s at 8 kHz: over the (lowered) size limit, so cut into pieces of at most 60 s.
    let id = upload(&mut ada, "Meeting.wav", &wav(150, 8_000, 1)).await;
    check_uploads(&site, &objects).await;

    let config = site.db.config(&pairs(&settings));
    let secrets = Arc::new(SecretBox::parse(config.master_key.as_ref().unwrap().expose()).unwrap());
    let store = Arc::new(Store::from_config(&config.storage, Some(&secrets)));
    let registry = Registry::new()
        .register(pipeline::TranscribeRemotely {
            store,
            providers: config.providers.clone(),
            secrets: Some(secrets.clone()),
            engine: Arc::new(app::transcription::openai::OpenAiEngine::new(&service.uri(), "whisper-1").unwrap()),
            max_upload_bytes: 1_000_000,
            piece_seconds: 60,
        })
        .register(pipeline::Summarise {
            providers: config.providers.clone(),
            secrets: Some(secrets),
            chat: Some(Arc::new(
                app::transcription::chat::ChatSummariser::new(&service.uri(), "gpt-test").unwrap(),
            )),
        });
    run_pipeline(&site, registry).await;

    let done = transcript(&mut ada, &id).await;
    assert_eq!(done["state"]["stage"], "Done", "{done}");
    assert_eq!(done["state"]["engine"], "openai:whisper-1");
    let sizes = sizes.lock().unwrap().clone();
    assert_eq!(sizes.len(), 3, "150 s in pieces of at most 60 s: {sizes:?}");
    assert!(sizes.iter().all(|s| *s < 61 * 32_000 + 2_000), "{sizes:?}");
    // One word per piece, each on the recording's timeline: 5 s into its piece, and pieces after
    // the first start 1 s before their cut.
    let segments = done["transcript"]["segments"].as_array().unwrap();
    let starts: Vec<i64> = segments.iter().map(|s| s["start_ms"].as_i64().unwrap()).collect();
    assert_eq!(starts.len(), 3, "{starts:?}");
    assert_eq!(starts[0], 5_000);
    assert!((30_000..60_000).contains(&(starts[1] - 5_000 + 1_000)), "{starts:?}");
    assert!(starts.windows(2).all(|w| w[1] - w[0] >= 30_000), "{starts:?}");

    let summary = &done["summary"];
    assert_eq!(summary["method"], "model:gpt-test");
    assert_eq!(summary["style"], "Bullets");
    assert_eq!(summary["text"], "The team looked at the survey.");
    assert_eq!(summary["key_moments"][1]["ms"], 70_000);
    assert_eq!(summary["key_moments"][1]["title"], "Search requests");
    assert_eq!(usage(&site, "summary.tokens").await[0].0, 123);
    assert_eq!(usage(&site, "transcription.audio").await[0].0, 150);
}

#[tokio::test]
async fn a_refused_key_fails_the_transcription_at_once_with_the_reason() {
    let service = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({ "error": { "message": "Incorrect API key provided", "type": "invalid_request_error" } }),
        ))
        .mount(&service)
        .await;
    let objects = Objects::new();
    let mut settings = settings(&objects);
    settings.extend([
        ("OPENAI_BASE_URL", service.uri()),
        ("OPENAI_API_KEY", "sk-wrong".to_owned()),
    ]);
    let site = site(&objects, &pairs(&settings)).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload(&mut ada, "Call.wav", &wav(2, 16_000, 1)).await;
    check_uploads(&site, &objects).await;
    let cancelled = act(&mut ada, "cancel", &id, &[]).await;
    assert_eq!(cancelled.status, StatusCode::OK);
    let openai = act(&mut ada, "transcribe", &id, &[("engine", "openai")]).await;
    assert_eq!(openai.status, StatusCode::OK, "{}", openai.body);
    let config = site.db.config(&pairs(&settings));
    run_pipeline(&site, registry(&config)).await;
    let failed = transcript(&mut ada, &id).await;
    assert_eq!(failed["state"]["stage"], "Failed", "{failed}");
    assert!(
        failed["state"]["error"]
            .as_str()
            .unwrap()
            .contains("refused the API key"),
        "{failed}"
    );
    assert_eq!(
        site.count("select count(*) from jobs where kind = 'transcription.openai' and state = 'dead' and attempts = 1")
            .await,
        1,
        "not retried"
    );
    assert!(usage(&site, "transcription.audio").await.is_empty());
}

/// `speech()` encoded by ffmpeg with `codec` into a file with `extension`.
pub(crate) fn speech_as(extension: &str, codec: &[&str]) -> Vec<u8> {
    let objects = Objects::new();
    std::fs::create_dir_all(&objects.0).unwrap();
    let (wav_file, out) = (
        objects.0.join("speech.wav"),
        objects.0.join(format!("speech.{extension}")),
    );
    std::fs::write(&wav_file, speech()).unwrap();
    let encoded = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-i"])
        .arg(&wav_file)
        .args(codec)
        .arg(&out)
        .status()
        .expect("ffmpeg is installed by scripts/toolchain.sh");
    assert!(encoded.success());
    std::fs::read(&out).unwrap()
}

#[tokio::test]
async fn an_mp3_and_a_browser_recorded_webm_both_become_transcripts_with_word_timings() {
    let objects = Objects::new();
    let settings = settings(&objects);
    let site = site(&objects, &pairs(&settings)).await;
    let mut ada = owner_of_acme(&site).await;
    let mp3 = upload(
        &mut ada,
        "Podcast.mp3",
        &speech_as("mp3", &["-c:a", "libmp3lame", "-b:a", "64k"]),
    )
    .await;
    // What MediaRecorder makes in Chromium and Firefox: Opus in WebM.
    let webm = upload(
        &mut ada,
        "Voice note.webm",
        &speech_as("webm", &["-c:a", "libopus", "-b:a", "32k"]),
    )
    .await;
    check_uploads(&site, &objects).await;
    let config = site.db.config(&pairs(&settings));
    run_pipeline(&site, registry(&config)).await;
    for id in [mp3, webm] {
        let done = transcript(&mut ada, &id).await;
        let detail = ada
            .post("/api/recordings/detail", &[("workspace", "acme"), ("id", &id)])
            .await
            .body;
        assert_eq!(done["state"]["stage"], "Done", "{done} {detail}");
        let text = done["transcript"]["segments"].to_string().to_lowercase();
        assert!(text.contains("survey"), "{text}");
        assert!(done["transcript"]["word_count"].as_i64().unwrap() >= 40, "{done}");
    }
    // Words carry timings inside their segment's span.
    let outside: Vec<(i64,)> = in_acme(
        &site,
        "select count(*) from transcript_words w join transcript_segments s on s.id = w.segment_id
         where w.end_ms < w.start_ms or w.start_ms < s.start_ms - 1000 or w.end_ms > s.end_ms + 1000
           or $1 = ''",
        "x",
    )
    .await;
    assert_eq!(outside[0].0, 0);
}
