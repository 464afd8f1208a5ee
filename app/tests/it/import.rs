//! Importing the first AudioTricks' history on a real database and store: good entries become
//! transcripts with summaries and key moments, each bad one is reported on its own, a second
//! import adds nothing, and an imported transcript is edited, trashed and deleted like any other.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::accounts::{Browser, Site, PASSWORD};
use crate::pipeline::in_acme;
use crate::recordings::{site, Objects};
use crate::workspaces::{add_member, owner_of_acme};

fn history() -> Value {
    json!([
        {
            "id": "1718000000000",
            "timestamp": "2024-06-10T08:30:00.000Z",
            "title": "Weekly planning",
            "duration": 90,
            "wordCount": 12,
            "language": "en",
            "results": {
                "transcript": { "text": "Good morning. We plan the week now! Any questions?" },
                "summary": {
                    "summary": "The team planned the week.",
                    "key_moments": [
                        { "timestamp": "0:45", "title": "Plan", "description": "", "importance": "high" },
                        { "timestamp": "later", "title": "Wrap up", "description": "", "importance": "low" }
                    ],
                    "word_count": 12
                },
                "processing_time": 3.2
            }
        },
        { "id": "1718000000001", "timestamp": "2024-06-11T08:30:00.000Z", "title": "Empty one",
          "results": { "transcript": { "text": "" }, "summary": { "summary": "", "key_moments": [] } } },
        "not an entry"
    ])
}

/// How many of Acme's usage events are of `kind`.
async fn storage_events(site: &Site, kind: &str) -> i64 {
    let counted: Vec<(i64,)> = in_acme(site, "select count(*) from usage_events where kind = $1", kind).await;
    counted[0].0
}

async fn import(browser: &mut Browser, history: &str) -> crate::accounts::Reply {
    browser
        .post("/api/recordings/import", &[("workspace", "acme"), ("history", history)])
        .await
}

#[tokio::test]
async fn the_old_apps_history_imports_entry_by_entry_once_and_behaves_like_any_transcript() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;

    let reply = import(&mut ada, &history().to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report = reply.json();
    assert_eq!(report["imported"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["imported"][0]["title"], "Weekly planning");
    assert_eq!(
        report["problems"],
        json!([
            "Entry 2 (\u{201c}Empty one\u{201d}): it has no transcript text.",
            "Entry 3 is not an entry of the old history (it is not an object)."
        ])
    );
    assert_eq!(report["notes"].as_array().unwrap().len(), 1);
    let id = report["imported"][0]["id"].as_str().unwrap().to_owned();

    // In the library under its original date, transcribed; its transcript and summary are there.
    let listed = ada
        .post(
            "/api/recordings/library",
            &[
                ("workspace", "acme"),
                ("trash", "false"),
                ("page", "1"),
                ("from", "2024-06-10"),
                ("to", "2024-06-10"),
            ],
        )
        .await
        .json();
    let row = &listed["recordings"][0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["status"], "Imported");
    assert!(row["created_at"].as_str().unwrap().starts_with("2024-06-10"));
    let view = ada
        .post("/api/transcripts/view", &[("workspace", "acme"), ("id", &id)])
        .await
        .json();
    assert_eq!(view["has_audio"], false);
    assert_eq!(view["state"]["stage"], "Done");
    let lines: Vec<&str> = view["transcript"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(lines, ["Good morning.", "We plan the week now!", "Any questions?"]);
    assert_eq!(view["transcript"]["segments"][2]["end_ms"], 90_000);
    assert_eq!(view["summary"]["text"], "The team planned the week.");
    assert_eq!(
        view["summary"]["key_moments"],
        json!([{ "ms": 45_000, "title": "Plan" }])
    );

    // The same history again adds nothing.
    let again = import(&mut ada, &history().to_string()).await.json();
    assert_eq!(again["imported"], json!([]));
    assert_eq!(again["skipped"], json!(["Weekly planning"]));

    // No audio to transcribe again; its lines edit like any other's.
    let transcribe = ada
        .post(
            "/api/transcripts/transcribe",
            &[("workspace", "acme"), ("id", &id), ("engine", "local")],
        )
        .await;
    assert_eq!(transcribe.status, StatusCode::CONFLICT, "{}", transcribe.body);
    assert!(
        transcribe.body.contains("imported without its audio"),
        "{}",
        transcribe.body
    );
    let edited = ada
        .post(
            "/api/transcripts/edit",
            &[
                ("workspace", "acme"),
                ("id", &id),
                ("base_version", "1"),
                ("line", "0"),
                ("original", "Good morning."),
                ("text", "Good morning, team."),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(edited.json().get("Saved").is_some(), "{}", edited.body);

    // Its stored original counts toward storage, and goes with it.
    assert_eq!(storage_events(&site, "storage.added").await, 1);
    let trashed = ada
        .post("/api/recordings/trash", &[("workspace", "acme"), ("id", &id)])
        .await;
    assert_eq!(trashed.status, StatusCode::OK, "{}", trashed.body);
    let deleted = ada
        .post("/api/recordings/delete", &[("workspace", "acme"), ("id", &id)])
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(storage_events(&site, "storage.removed").await, 1);
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'recording.imported'")
            .await,
        1
    );
}

#[tokio::test]
async fn what_is_not_a_history_is_refused_and_only_uploaders_may_import() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    for (input, says) in [
        ("", "Paste the history"),
        ("this is not json", "not JSON"),
        ("{\"entries\": []}", "a list of entries"),
    ] {
        let reply = import(&mut ada, input).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.error().field("history").unwrap().contains(says), "{}", reply.body);
    }
    // The whole of the old app's storage, exported as an object, is read too.
    let wrapped = json!({ "audioTricks_history": history().to_string() }).to_string();
    assert_eq!(
        import(&mut ada, &wrapped).await.json()["imported"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let mut vic = site.verified_account("Vic", "vic@example.com").await;
    add_member(&site, "ada@example.com", "acme", "vic@example.com", "viewer").await;
    vic.log_in("vic@example.com", PASSWORD).await;
    let refused = import(&mut vic, &history().to_string()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}
