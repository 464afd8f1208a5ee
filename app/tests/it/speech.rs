//! Voice synthesis on a real database: a transcript spoken by espeak-ng and a summary by an
//! ElevenLabs double (its voice list, then text-to-speech with the key and model), each stored as
//! a recording of its own that is read back and transcribed like an upload, with the characters counted once; a
//! busy answer is asked again within the run; bad requests are refused in words and a refused key
//! fails the run with the reason.

use axum::http::StatusCode;
use wiremock::{
    matchers::{body_partial_json, header, method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::accounts::{Browser, Site};
use crate::editing::seed_transcript;
use crate::edits::detail;
use crate::pipeline::{in_acme, pairs, registry, run_pipeline, settings, speech_as, transcript};
use crate::recordings::{acme_id, site, upload_and_check, wav, Objects};
use crate::workspaces::owner_of_acme;

const ELEVEN_KEY: &str = "platform-eleven-key";

async fn speak(browser: &mut Browser, id: &str, what: &str, engine: &str, voice: &str) -> crate::accounts::Reply {
    browser
        .post(
            "/api/recordings/speak",
            &[
                ("workspace", "acme"),
                ("id", id),
                ("what", what),
                ("engine", engine),
                ("voice", voice),
                ("voice_name", "Rachel"),
            ],
        )
        .await
}

async fn add_summary(site: &Site, id: &str, text: &str) {
    let acme = acme_id(site).await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::as_system(&mut tx, acme).await.unwrap();
    sqlx::query(
        "insert into summaries (transcript_id, workspace_id, style, method, text, key_moments)
         select id, workspace_id, 'brief', 'extractive', $2, '[]' from transcripts where recording_id = $1",
    )
    .bind(id.parse::<uuid::Uuid>().unwrap())
    .bind(text)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn characters(site: &Site) -> Vec<(i64, String)> {
    in_acme(
        site,
        "select quantity, idempotency_key from usage_events where kind = $1 order by id",
        "speech.characters",
    )
    .await
}

#[tokio::test]
async fn a_transcript_spoken_on_this_server_becomes_a_checked_recording_with_its_characters_counted() {
    let objects = Objects::new();
    let settings = settings(&objects);
    let site = site(&objects, &pairs(&settings)).await;
    let config = site.db.config(&pairs(&settings));
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Standup.wav", &wav(8, 16_000, 1)).await;
    seed_transcript(&site, &id).await;

    for (what, engine, voice, field, why) in [
        ("poem", "local", "en-us", "what", "transcript or the summary"),
        ("transcript", "robot", "en-us", "engine", "voices offered"),
        ("transcript", "local", "klingon", "voice", "voices offered"),
        ("summary", "local", "en-us", "what", "no summary to speak"),
    ] {
        let refused = speak(&mut ada, &id, what, engine, voice).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}/{engine}/{voice}: {}",
            refused.body
        );
        assert!(refused.body.contains(why), "{}", refused.body);
        assert!(refused.body.contains(field), "{}", refused.body);
    }
    let no_key = speak(&mut ada, &id, "transcript", "elevenlabs", "abc123").await;
    assert_eq!(no_key.status, StatusCode::CONFLICT, "{}", no_key.body);
    assert!(no_key.body.contains("ElevenLabs key"), "{}", no_key.body);
    let voices = ada
        .post("/api/recordings/voices", &[("workspace", "acme"), ("engine", "local")])
        .await;
    assert_eq!(voices.json()[0]["id"], "en-us");

    let made = speak(&mut ada, &id, "transcript", "local", "en-gb").await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let spoken = made.json().as_str().unwrap().to_owned();
    let pending = detail(&mut ada, &spoken).await;
    assert_eq!(pending["recording"]["status"], "Rendering");
    assert_eq!(pending["recording"]["title"], "Standup \u{2014} spoken transcript");

    run_pipeline(&site, registry(&config)).await;
    let ready = detail(&mut ada, &spoken).await;
    let r = &ready["recording"];
    assert_eq!(r["status"], "Ready", "{ready}");
    assert_eq!(r["format"], "MP3");
    // Nine words at espeak's pace: a few seconds of speech.
    let ms = r["duration_ms"].as_i64().unwrap();
    assert!((1_500..15_000).contains(&ms), "{ms}");
    assert!(!ready["play_url"].is_null());
    // Transcribed like an upload: the words spoken come back.
    let heard = transcript(&mut ada, &spoken).await;
    assert_eq!(heard["state"]["stage"], "Done", "{heard}");
    let text = heard["transcript"]["segments"].to_string().to_lowercase();
    assert!(text.contains("quick") && text.contains("lazy dog"), "{text}");
    let counted = characters(&site).await;
    let text = "the quick brown fox\njumps over the lazy dog";
    assert_eq!(counted, [(text.chars().count() as i64, format!("speech:{spoken}"))]);
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'recording.spoken'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_summary_is_spoken_by_elevenlabs_with_the_key_and_a_refused_key_fails_in_words() {
    let eleven = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/voices"))
        .and(header("xi-api-key", ELEVEN_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "voices": [
                { "voice_id": "zz9", "name": "Zed" },
                { "voice_id": "abc123", "name": "Rachel" }
            ]
        })))
        .mount(&eleven)
        .await;
    // Busy once: asked again for that piece within the run, after its Retry-After.
    Mock::given(method("POST"))
        .and(path("/v1/text-to-speech/abc123"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&eleven)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/text-to-speech/abc123"))
        .and(header("xi-api-key", ELEVEN_KEY))
        .and(body_partial_json(serde_json::json!({
            "text": "The team planned the week.",
            "model_id": "eleven_multilingual_v2"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(speech_as("mp3", &["-c:a", "libmp3lame", "-b:a", "64k"])),
        )
        .expect(1)
        .mount(&eleven)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/text-to-speech/gone"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({ "detail": "invalid key" })))
        .mount(&eleven)
        .await;

    let objects = Objects::new();
    let mut settings = settings(&objects);
    let uri = eleven.uri();
    settings.push(("ELEVENLABS_BASE_URL", uri.clone()));
    settings.push(("ELEVENLABS_API_KEY", ELEVEN_KEY.into()));
    let site = site(&objects, &pairs(&settings)).await;
    let config = site.db.config(&pairs(&settings));
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Plan.wav", &wav(8, 16_000, 1)).await;
    seed_transcript(&site, &id).await;
    add_summary(&site, &id, "The team planned the week.").await;
    assert_eq!(transcript(&mut ada, &id).await["elevenlabs_available"], true);

    let voices = ada
        .post(
            "/api/recordings/voices",
            &[("workspace", "acme"), ("engine", "elevenlabs")],
        )
        .await;
    assert_eq!(voices.status, StatusCode::OK, "{}", voices.body);
    let names: Vec<String> = voices
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Rachel", "Zed"], "sorted by name");

    let made = speak(&mut ada, &id, "summary", "elevenlabs", "abc123").await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let spoken = made.json().as_str().unwrap().to_owned();
    let refused = speak(&mut ada, &id, "summary", "elevenlabs", "gone").await;
    let failing = refused.json().as_str().unwrap().to_owned();
    run_pipeline(&site, registry(&config)).await;

    let ready = detail(&mut ada, &spoken).await;
    assert_eq!(ready["recording"]["status"], "Ready", "{ready}");
    assert_eq!(ready["recording"]["format"], "MP3");
    let failed = detail(&mut ada, &failing).await;
    assert_eq!(failed["recording"]["status"], "Rejected");
    assert!(
        failed["recording"]["rejection"]
            .as_str()
            .unwrap()
            .contains("ElevenLabs refused the workspace's key"),
        "{failed}"
    );
    let state = transcript(&mut ada, &failing).await;
    assert_eq!(state["state"]["stage"], "Failed");
    // The busy piece was asked again within the first run, not by running it all again.
    assert_eq!(
        site.count("select count(*) from jobs where kind = 'recording.speak' and attempts > 1")
            .await,
        0
    );
    // Only what was spoken is counted.
    let counted = characters(&site).await;
    assert_eq!(counted, [(26, format!("speech:{spoken}"))]);
}
