//! Cutting passages out of a recording on a real database and real ffmpeg: the new version is
//! rendered shorter by what was cut, its transcript moved to the new timeline, the source left
//! as it was; bad cut lists and early cuts are refused in words, and a cancelled render says so.

use axum::http::StatusCode;
use serde_json::Value;

use crate::accounts::Browser;
use crate::editing::seed_transcript;
use crate::pipeline::{act, pairs, registry, run_pipeline, settings, transcript};
use crate::recordings::{site, upload_and_check, wav, Objects};
use crate::workspaces::owner_of_acme;

async fn cut(browser: &mut Browser, id: &str, cuts: &str) -> crate::accounts::Reply {
    browser
        .post(
            "/api/recordings/cut",
            &[("workspace", "acme"), ("id", id), ("cuts", cuts)],
        )
        .await
}

/// The recording page's data for `id` in Acme.
pub(crate) async fn detail(browser: &mut Browser, id: &str) -> Value {
    let reply = browser
        .post("/api/recordings/detail", &[("workspace", "acme"), ("id", id)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// Every word of the transcript view as (text, start ms).
fn words(view: &Value) -> Vec<(String, i64)> {
    view["transcript"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["words"].as_array().unwrap().clone())
        .map(|w| (w[2].as_str().unwrap().to_owned(), w[0].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_cut_renders_a_shorter_version_with_its_transcript_moved_and_the_source_kept() {
    let objects = Objects::new();
    let settings = settings(&objects);
    let site = site(&objects, &pairs(&settings)).await;
    let config = site.db.config(&pairs(&settings));
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Standup.wav", &wav(8, 16_000, 1)).await;

    let early = cut(&mut ada, &id, "1000-2000").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("transcription has finished"), "{}", early.body);
    seed_transcript(&site, &id).await;

    for (bad, why) in [
        ("", "at least one passage"),
        ("2000-1000", "start before its end"),
        ("soon", "not a passage"),
        ("0-7500", "keep at least 1 s"),
        ("9000-9500", "past the end"),
    ] {
        let refused = cut(&mut ada, &id, bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
        assert!(refused.body.contains(why), "{bad}: {}", refused.body);
    }
    assert_eq!(cut(&mut ada, "not-an-id", "0-1000").await.status, StatusCode::NOT_FOUND);

    // "brown fox" (1.0–2.0 s) out.
    let made = cut(&mut ada, &id, "1000-2000").await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let edit: String = made.json().as_str().unwrap().to_owned();
    let rendering = detail(&mut ada, &edit).await;
    assert_eq!(rendering["recording"]["status"], "Rendering");
    assert_eq!(rendering["recording"]["title"], "Standup (edit 2)");
    assert!(rendering["play_url"].is_null());
    assert_eq!(transcript(&mut ada, &edit).await["state"]["stage"], "Queued");
    let trash = ada
        .post("/api/recordings/trash", &[("workspace", "acme"), ("id", &edit)])
        .await;
    assert_eq!(trash.status, StatusCode::CONFLICT, "{}", trash.body);

    run_pipeline(&site, registry(&config)).await;
    let done = detail(&mut ada, &edit).await;
    let r = &done["recording"];
    assert_eq!(r["status"], "Ready", "{done}");
    assert_eq!(r["format"], "MP3");
    assert!(!done["play_url"].is_null());
    let source_ms = detail(&mut ada, &id).await["recording"]["duration_ms"]
        .as_i64()
        .unwrap();
    let edit_ms = r["duration_ms"].as_i64().unwrap();
    // 1 s cut and a 20 ms crossfade; MP3 frames round the end by a few tens of milliseconds.
    let shorter = source_ms - edit_ms;
    assert!((900..=1_150).contains(&shorter), "{source_ms} → {edit_ms}");
    let versions = done["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{done}");
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(versions[1]["current"], true);
    assert_eq!(versions[1]["removed_ms"], 1_000);
    assert_eq!(detail(&mut ada, &id).await["versions"].as_array().unwrap().len(), 2);

    let view = transcript(&mut ada, &edit).await;
    assert_eq!(view["state"]["stage"], "Done", "{view}");
    assert!(!view["summary"].is_null(), "a summary is written for the edit");
    let moved = words(&view);
    let texts: Vec<&str> = moved.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, ["the", "quick", "jumps", "over", "the", "lazy", "dog"]);
    let jumps = moved.iter().find(|(t, _)| t == "jumps").unwrap().1;
    assert_eq!(jumps, 3_000 - 1_000 - 20);
    assert_eq!(view["transcript"]["segments"][0]["text"], "the quick");
    // The source is as it was.
    assert_eq!(words(&transcript(&mut ada, &id).await).len(), 9);

    let stored = crate::pipeline::in_acme::<(i64,)>(
        &site,
        "select quantity from usage_events where idempotency_key = $1",
        &format!("recording:{edit}:stored"),
    )
    .await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, r["size_bytes"].as_i64().unwrap());
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'recording.cut'")
            .await,
        1
    );

    // A cut of the edit is version 3 of the same original; cancelled, it says so.
    let again = cut(&mut ada, &edit, "0-500").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let third: String = again.json().as_str().unwrap().to_owned();
    assert_eq!(detail(&mut ada, &third).await["recording"]["title"], "Standup (edit 3)");
    let cancelled = act(&mut ada, "cancel", &third, &[]).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let gone = detail(&mut ada, &third).await;
    assert_eq!(gone["recording"]["status"], "Rejected");
    assert!(
        gone["recording"]["rejection"].as_str().unwrap().contains("cancelled"),
        "{gone}"
    );
    run_pipeline(&site, registry(&config)).await;
    assert_eq!(detail(&mut ada, &third).await["recording"]["status"], "Rejected");
}
