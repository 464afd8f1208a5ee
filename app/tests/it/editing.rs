//! Editing a transcript on a real database: a line saved with its words re-timed, two members
//! editing at once (the same line: the second is told and nothing is lost; other lines: both
//! kept), the version history with one person's edits sharing an entry, restoring an older
//! version, and who may do what.

use axum::http::StatusCode;
use serde_json::Value;

use crate::accounts::{Browser, Site, PASSWORD};
use crate::recordings::{acme_id, site, upload_and_check, wav, Objects};
use crate::workspaces::{add_member, owner_of_acme};

/// Puts a two-line transcript with word timings on the recording `id`, as a finished
/// transcription would.
pub(crate) async fn seed_transcript(site: &Site, id: &str) {
    let acme = acme_id(site).await;
    let recording: uuid::Uuid = id.parse().unwrap();
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::as_system(&mut tx, acme).await.unwrap();
    sqlx::query("update transcriptions set stage = 'done', percent = 100 where recording_id = $1")
        .bind(recording)
        .execute(&mut *tx)
        .await
        .unwrap();
    let transcript: uuid::Uuid = sqlx::query_scalar(
        "insert into transcripts (id, workspace_id, recording_id, language, engine, text)
         values (gen_random_uuid(), $1, $2, 'en', 'local:tiny.en', 'the quick brown fox jumps over the lazy dog')
         returning id",
    )
    .bind(acme)
    .bind(recording)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let lines: [(i64, i64, &[(&str, i64, i64)]); 2] = [
        (
            0,
            3_000,
            &[
                ("the", 0, 300),
                ("quick", 400, 900),
                ("brown", 1_000, 1_500),
                ("fox", 1_600, 2_000),
            ],
        ),
        (
            3_000,
            6_000,
            &[
                ("jumps", 3_000, 3_500),
                ("over", 3_600, 4_000),
                ("the", 4_100, 4_300),
                ("lazy", 4_400, 4_900),
                ("dog", 5_000, 5_500),
            ],
        ),
    ];
    for (position, (start, end, words)) in lines.iter().enumerate() {
        let text = words.iter().map(|w| w.0).collect::<Vec<_>>().join(" ");
        let segment: i64 = sqlx::query_scalar(
            "insert into transcript_segments (workspace_id, transcript_id, position, start_ms, end_ms, text)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(acme)
        .bind(transcript)
        .bind(position as i32)
        .bind(start)
        .bind(end)
        .bind(&text)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        for (k, (word, s, e)) in words.iter().enumerate() {
            sqlx::query(
                "insert into transcript_words (workspace_id, segment_id, position, start_ms, end_ms, text)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(acme)
            .bind(segment)
            .bind(k as i32)
            .bind(s)
            .bind(e)
            .bind(word)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn edit(
    browser: &mut Browser,
    id: &str,
    base: i32,
    line: i32,
    original: &str,
    text: &str,
) -> crate::accounts::Reply {
    browser
        .post(
            "/api/transcripts/edit",
            &[
                ("workspace", "acme"),
                ("id", id),
                ("base_version", &base.to_string()),
                ("line", &line.to_string()),
                ("original", original),
                ("text", text),
            ],
        )
        .await
}

async fn set_speaker(browser: &mut Browser, id: &str, line: &str, name: &str, base: &str) -> crate::accounts::Reply {
    browser
        .post(
            "/api/transcripts/speaker",
            &[
                ("workspace", "acme"),
                ("id", id),
                ("base_version", base),
                ("line", line),
                ("speaker", name),
            ],
        )
        .await
}

async fn saved(browser: &mut Browser, id: &str, base: i32, line: i32, original: &str, text: &str) -> Value {
    let reply = edit(browser, id, base, line, original, text).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let outcome = reply.json();
    assert!(outcome.get("Saved").is_some(), "not saved: {outcome}");
    outcome["Saved"].clone()
}

async fn lines(browser: &mut Browser, id: &str) -> (i64, Vec<Value>) {
    let reply = browser
        .post("/api/transcripts/view", &[("workspace", "acme"), ("id", id)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let t = reply.json()["transcript"].clone();
    (
        t["version"].as_i64().unwrap(),
        t["segments"].as_array().unwrap().clone(),
    )
}

fn words(line: &Value) -> Vec<(i64, i64, String)> {
    serde_json::from_value(line["words"].clone()).unwrap()
}

async fn versions(browser: &mut Browser, id: &str) -> Vec<Value> {
    let reply = browser
        .post("/api/transcripts/versions", &[("workspace", "acme"), ("id", id)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn edits_keep_timings_never_overwrite_each_other_and_can_be_restored() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Standup.wav", &wav(6, 16_000, 1)).await;
    seed_transcript(&site, &id).await;
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "member").await;
    bob.log_in("bob@example.com", PASSWORD).await;

    // Ada fixes a word: it keeps the time of the word it replaced; the rest keep theirs.
    let first = saved(&mut ada, &id, 1, 0, "the quick brown fox", "the  quick red fox").await;
    assert_eq!(first["version"], 2);
    assert_eq!(first["others_changed"], false);
    assert_eq!(first["line"]["text"], "the quick red fox");
    let (version, now) = lines(&mut ada, &id).await;
    assert_eq!(version, 2);
    assert_eq!(
        words(&now[0]),
        [
            (0, 300, "the".into()),
            (400, 900, "quick".into()),
            (1_000, 1_500, "red".into()),
            (1_600, 2_000, "fox".into())
        ]
    );

    // Bob, who loaded version 1, edits the same line: he is told whose text is there, and nothing
    // of Ada's is lost.
    let reply = edit(&mut bob, &id, 1, 0, "the quick brown fox", "a quick brown fox").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let conflict = reply.json()["Conflict"].clone();
    assert_eq!(conflict["theirs"]["text"], "the quick red fox");
    assert_eq!(conflict["by"], "Ada");
    assert_eq!(lines(&mut ada, &id).await.1[0]["text"], "the quick red fox");
    // Another line is his to change; both edits are kept, and he learns others changed lines.
    let second = saved(
        &mut bob,
        &id,
        1,
        1,
        "jumps over the lazy dog",
        "jumps over the sleepy old dog",
    )
    .await;
    assert_eq!(second["version"], 3);
    assert_eq!(second["others_changed"], true);
    let timed = words(&second["line"]);
    assert_eq!(timed[3].2, "sleepy");
    assert_eq!(timed[4].2, "old");
    assert_eq!(
        (timed[3].0, timed[4].1),
        (4_400, 4_900),
        "the new words share the replaced word's time"
    );
    assert_eq!(timed[5], (5_000, 5_500, "dog".into()));

    // The library finds the new words; the export has them with their timings.
    let found = ada
        .post(
            "/api/recordings/library",
            &[
                ("workspace", "acme"),
                ("trash", "false"),
                ("page", "1"),
                ("q", "sleepy"),
            ],
        )
        .await;
    assert_eq!(
        found.json()["recordings"].as_array().unwrap().len(),
        1,
        "{}",
        found.body
    );
    let srt = ada.get(&format!("/w/acme/recordings/{id}/export?format=srt")).await;
    assert!(srt.body.contains("the quick red fox"), "{}", srt.body);
    assert!(srt.body.contains("00:00:00,000 -->"), "{}", srt.body);

    // Ada's next edit comes after Bob's, so it is a new entry; the one after shares it.
    saved(&mut ada, &id, 3, 0, "the quick red fox", "the quick red foxes").await;
    saved(&mut ada, &id, 4, 0, "the quick red foxes", "the quick red fox").await;
    let history = versions(&mut ada, &id).await;
    let summary: Vec<(i64, &str, &str)> = history
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["reason"].as_str().unwrap(),
                v["author"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (5, "edited", "Ada"),
            (3, "edited", "Bob"),
            (2, "edited", "Ada"),
            (1, "transcribed", "-")
        ]
    );
    assert_eq!(history[0]["current"], true);

    // Version 1 comes back as version 6, words and timings as they were.
    let restored = ada
        .post(
            "/api/transcripts/restore",
            &[("workspace", "acme"), ("id", &id), ("version", "1")],
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    let (version, now) = lines(&mut ada, &id).await;
    assert_eq!(version, 6);
    assert_eq!(now[0]["text"], "the quick brown fox");
    assert_eq!(now[1]["text"], "jumps over the lazy dog");
    assert_eq!(words(&now[1])[3], (4_400, 4_900, "lazy".into()));
    assert_eq!(versions(&mut ada, &id).await[0]["reason"], "restored");
    let audited = site
        .count("select count(*) from audit_log where action in ('transcript.edited', 'transcript.restored')")
        .await;
    assert_eq!(audited, 5);
}

#[tokio::test]
async fn bad_edits_are_refused_with_a_reason_and_change_nothing() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Standup.wav", &wav(6, 16_000, 1)).await;
    seed_transcript(&site, &id).await;

    let empty = edit(&mut ada, &id, 1, 0, "the quick brown fox", "   ").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.body);
    assert!(empty.body.contains("can't be empty"), "{}", empty.body);
    let long = "word ".repeat(1_001);
    let too_long = edit(&mut ada, &id, 1, 0, "the quick brown fox", &long).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_long.body);
    let no_line = edit(&mut ada, &id, 1, 7, "x", "y").await;
    assert_eq!(no_line.status, StatusCode::CONFLICT, "{}", no_line.body);
    let restore_missing = ada
        .post(
            "/api/transcripts/restore",
            &[("workspace", "acme"), ("id", &id), ("version", "9")],
        )
        .await;
    assert_eq!(
        restore_missing.status,
        StatusCode::NOT_FOUND,
        "{}",
        restore_missing.body
    );

    // A viewer reads but does not edit; someone outside the workspace sees nothing.
    let mut vic = site.verified_account("Vic", "vic@example.com").await;
    add_member(&site, "ada@example.com", "acme", "vic@example.com", "viewer").await;
    vic.log_in("vic@example.com", PASSWORD).await;
    let refused = edit(&mut vic, &id, 1, 0, "the quick brown fox", "the slow brown fox").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let mut eve = site.verified_account("Eve", "eve@example.com").await;
    eve.log_in("eve@example.com", PASSWORD).await;
    let outside = edit(&mut eve, &id, 1, 0, "the quick brown fox", "the slow brown fox").await;
    assert!(matches!(outside.status.as_u16(), 403 | 404), "{}", outside.body);

    // While it is being transcribed again, edits wait (the new text would replace them).
    let acme = acme_id(&site).await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::as_system(&mut tx, acme).await.unwrap();
    sqlx::query("update transcriptions set stage = 'transcribing' where recording_id = $1::uuid")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let busy = edit(&mut ada, &id, 1, 0, "the quick brown fox", "the slow brown fox").await;
    assert_eq!(busy.status, StatusCode::CONFLICT, "{}", busy.body);

    let (version, now) = lines(&mut ada, &id).await;
    assert_eq!(version, 1);
    assert_eq!(now[0]["text"], "the quick brown fox");
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'transcript.edited'")
            .await,
        0
    );
}

#[tokio::test]
async fn speakers_are_named_per_line_and_renamed_or_merged_everywhere() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Standup.wav", &wav(6, 16_000, 1)).await;
    seed_transcript(&site, &id).await;
    for (line, name, base) in [("0", "Ada", "1"), ("1", " ada ", "2")] {
        let reply = set_speaker(&mut ada, &id, line, name, base).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(
            reply.json()["Saved"]["line"]["speaker"],
            "Ada",
            "the same speaker, whatever the case"
        );
    }
    // One rename changes every line; the export says so.
    let renamed = ada
        .post(
            "/api/transcripts/rename-speaker",
            &[
                ("workspace", "acme"),
                ("id", &id),
                ("from", "ada"),
                ("to", "Ada Lovelace"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let (_, now) = lines(&mut ada, &id).await;
    assert!(now.iter().all(|l| l["speaker"] == "Ada Lovelace"), "{now:?}");
    let txt = ada
        .get(&format!("/w/acme/recordings/{id}/export?format=txt&speakers=1"))
        .await;
    assert!(
        txt.body.contains("Ada Lovelace: jumps over the lazy dog"),
        "{}",
        txt.body
    );
    // The library offers them as a filter, and filters by them in any case.
    let library = |speaker: &'static str| {
        [
            ("workspace", "acme"),
            ("trash", "false"),
            ("page", "1"),
            ("speaker", speaker),
        ]
    };
    let by = ada
        .post("/api/recordings/library", &library("ada lovelace"))
        .await
        .json();
    assert_eq!(by["recordings"].as_array().unwrap().len(), 1, "{by}");
    assert_eq!(by["speakers"], serde_json::json!(["Ada Lovelace"]));
    let nobody = ada.post("/api/recordings/library", &library("Nobody")).await.json();
    assert!(nobody["recordings"].as_array().unwrap().is_empty(), "{nobody}");

    // A second speaker renamed to the first's name is merged into them.
    assert_eq!(set_speaker(&mut ada, &id, "1", "Bob", "4").await.status, StatusCode::OK);
    let merged = ada
        .post(
            "/api/transcripts/rename-speaker",
            &[
                ("workspace", "acme"),
                ("id", &id),
                ("from", "Bob"),
                ("to", "ada lovelace"),
            ],
        )
        .await;
    assert!(merged.json().as_str().unwrap().contains("are now"), "{}", merged.body);
    let (_, now) = lines(&mut ada, &id).await;
    assert!(now.iter().all(|l| l["speaker"] == "Ada Lovelace"), "{now:?}");

    // No name clears a line's speaker; a name too long, or nobody by that name, is refused.
    let cleared = set_speaker(&mut ada, &id, "0", "", "6").await;
    assert_eq!(
        cleared.json()["Saved"]["line"]["speaker"],
        Value::Null,
        "{}",
        cleared.body
    );
    // The first name of a renamed speaker is theirs still (it was a 500: their label was taken).
    let old_name = set_speaker(&mut ada, &id, "0", "Ada", "7").await;
    assert_eq!(old_name.status, StatusCode::OK, "{}", old_name.body);
    assert_eq!(old_name.json()["Saved"]["line"]["speaker"], "Ada Lovelace");
    let long = "x".repeat(51);
    let too_long = ada
        .post(
            "/api/transcripts/rename-speaker",
            &[
                ("workspace", "acme"),
                ("id", &id),
                ("from", "Ada Lovelace"),
                ("to", &long),
            ],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_long.body);
    let nobody = ada
        .post(
            "/api/transcripts/rename-speaker",
            &[("workspace", "acme"), ("id", &id), ("from", "Zed"), ("to", "Zoe")],
        )
        .await;
    assert_eq!(nobody.status, StatusCode::CONFLICT, "{}", nobody.body);
}
