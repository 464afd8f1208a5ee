//! Uploads through the local backend as the browser makes them (start → signed part URLs → PUT
//! parts → complete), the content check, signed downloads, the trash, retention and the storage
//! counters.

use std::{path::PathBuf, sync::Arc};

use axum::http::StatusCode;
use serde_json::json;

use crate::accounts::{Browser, Site, PASSWORD};
use crate::support::{eventually, fast_options, Workers, WAIT};
use crate::workspaces::{add_member, as_tenant, owner_of_acme, user_id};
use app::storage::Store;

/// A WAV file of a 440 Hz tone.
pub(crate) fn wav(seconds: u32, rate: u32, channels: u16) -> Vec<u8> {
    let frames = seconds * rate;
    let data_len = frames * u32::from(channels) * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16_u32.to_le_bytes());
    out.extend_from_slice(&1_u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    out.extend_from_slice(&(channels * 2).to_le_bytes());
    out.extend_from_slice(&16_u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        let sample = ((i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 8000.0) as i16;
        for _ in 0..channels {
            out.extend_from_slice(&sample.to_le_bytes());
        }
    }
    out
}

/// A storage directory for one test, removed afterwards.
pub(crate) struct Objects(pub(crate) PathBuf);

impl Objects {
    pub(crate) fn new() -> Self {
        Self(std::env::temp_dir().join(format!("audiotricks-objects-{}", uuid::Uuid::new_v4().simple())))
    }
    fn files(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut dirs = vec![self.0.clone()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                if entry.file_type().unwrap().is_dir() {
                    dirs.push(entry.path());
                } else {
                    found.push(entry.path().strip_prefix(&self.0).unwrap().display().to_string());
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) async fn site(objects: &Objects, extra: &[(&str, &str)]) -> Site {
    let dir = objects.0.display().to_string();
    let mut settings = vec![("STORAGE_DIR", dir.as_str())];
    settings.extend_from_slice(extra);
    Site::with(&settings).await
}

fn store(site: &Site, objects: &Objects) -> Arc<Store> {
    let config = site.db.config(&[("STORAGE_DIR", &objects.0.display().to_string())]);
    Arc::new(Store::from_config(&config.storage, None))
}

/// Runs the content checks queued so far.
pub(crate) async fn check_uploads(site: &Site, objects: &Objects) {
    run_checks(site, store(site, objects)).await;
}

/// Runs the content checks queued so far against `store`.
pub(crate) async fn run_checks(site: &Site, store: Arc<Store>) {
    let registry = app::server::jobs::Registry::new().register(app::recordings::inspect::InspectRecording { store });
    let workers = Workers::start(&site.db.app, registry, fast_options());
    eventually(WAIT, "the uploads to be checked", || async {
        let left = site
            .count("select count(*) from jobs where kind = 'recordings.inspect' and state not in ('succeeded', 'dead')")
            .await;
        (left == 0).then_some(())
    })
    .await;
    workers.stop().await;
}

/// Runs `sql` in the workspace's own context (Row-Level Security applies to the owner role too).
async fn in_workspace(site: &Site, workspace: uuid::Uuid, sql: &str) -> u64 {
    let owner = user_id(site, "ada@example.com").await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, owner, Some(workspace))
        .await
        .unwrap();
    let n = sqlx::query(sql).execute(&mut *tx).await.unwrap().rows_affected();
    tx.commit().await.unwrap();
    n
}

async fn counters(site: &Site, workspace: uuid::Uuid) -> (i64, i64) {
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::as_system(&mut tx, workspace).await.unwrap();
    let counted = sqlx::query_as("select bytes, objects from workspace_storage where workspace_id = $1")
        .bind(workspace)
        .fetch_optional(&mut *tx)
        .await
        .unwrap()
        .unwrap_or((0, 0));
    tx.commit().await.unwrap();
    counted
}

pub(crate) async fn acme_id(site: &Site) -> uuid::Uuid {
    let ada_id = user_id(site, "ada@example.com").await;
    as_tenant(site, ada_id, None, "select id from workspaces where slug = $1", "acme").await
}

fn query_param(url: &str, name: &str) -> String {
    url.split_once('?')
        .unwrap()
        .1
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}

async fn start(browser: &mut Browser, name: &str, size: usize) -> serde_json::Value {
    start_in(browser, "acme", name, size).await
}

async fn start_in(browser: &mut Browser, slug: &str, name: &str, size: usize) -> serde_json::Value {
    let reply = browser
        .post_json(
            "/api/uploads/start",
            &json!({ "workspace": slug, "file_name": name, "size_bytes": size, "file_modified_ms": 1_700_000_000_000_i64 }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

async fn part_urls(browser: &mut Browser, id: &str, done: serde_json::Value, want: &[u32]) -> Vec<String> {
    part_urls_in(browser, "acme", id, done, want).await
}

async fn part_urls_in(
    browser: &mut Browser,
    slug: &str,
    id: &str,
    done: serde_json::Value,
    want: &[u32],
) -> Vec<String> {
    let reply = browser
        .post_json(
            "/api/uploads/parts",
            &json!({ "workspace": slug, "id": id, "done": done, "want": want }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap().to_owned())
        .collect()
}

/// Uploads `bytes` whole (one request per part) to Acme and completes; returns the recording id.
pub(crate) async fn upload(browser: &mut Browser, name: &str, bytes: &[u8]) -> String {
    upload_to(browser, "acme", name, bytes).await
}

/// The same, into the workspace `slug`.
pub(crate) async fn upload_to(browser: &mut Browser, slug: &str, name: &str, bytes: &[u8]) -> String {
    let plan = start_in(browser, slug, name, bytes.len()).await;
    let id = plan["recording_id"].as_str().unwrap().to_owned();
    let part_size = plan["part_size"].as_u64().unwrap() as usize;
    let count = plan["part_count"].as_u64().unwrap() as u32;
    let want: Vec<u32> = (1..=count).collect();
    let urls = part_urls_in(browser, slug, &id, json!([]), &want).await;
    let mut done = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let chunk = bytes[i * part_size..((i + 1) * part_size).min(bytes.len())].to_vec();
        let put = browser.put_bytes(url, chunk).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        let etag = put.headers.get("etag").unwrap().to_str().unwrap().to_owned();
        done.push(json!({ "number": i + 1, "etag": etag }));
    }
    let complete = browser
        .post_json(
            "/api/uploads/complete",
            &json!({ "workspace": slug, "id": id, "done": done }),
        )
        .await;
    assert_eq!(complete.status, StatusCode::OK, "{}", complete.body);
    id
}

/// Uploads a file and waits for its check; returns the recording id.
pub(crate) async fn upload_and_check(
    site: &Site,
    objects: &Objects,
    browser: &mut Browser,
    name: &str,
    bytes: &[u8],
) -> String {
    let id = upload(browser, name, bytes).await;
    check_uploads(site, objects).await;
    id
}

pub(crate) async fn library(browser: &mut Browser, trash: bool) -> serde_json::Value {
    let reply = browser
        .post(
            "/api/recordings/library",
            &[
                ("workspace", "acme"),
                ("trash", if trash { "true" } else { "false" }),
                ("page", "1"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn a_large_file_goes_up_in_parts_survives_a_reload_and_becomes_a_ready_recording() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    // 60 s of 48 kHz stereo: about 11.5 MB, two parts.
    let file = wav(60, 48_000, 2);
    let plan = start(&mut ada, "Board call.wav", file.len()).await;
    let id = plan["recording_id"].as_str().unwrap().to_owned();
    assert_eq!(plan["part_count"], 2);
    let part_size = plan["part_size"].as_u64().unwrap() as usize;
    assert_eq!(part_size, 8 * 1024 * 1024);

    let urls = part_urls(&mut ada, &id, json!([]), &[1]).await;
    let first = ada.put_bytes(&urls[0], file[..part_size].to_vec()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let etag1 = first.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    // Reported with the request for the next part's URL; then "the page reloads".
    let urls = part_urls(&mut ada, &id, json!([{ "number": 1, "etag": etag1 }]), &[2]).await;
    let view = library(&mut ada, false).await;
    assert_eq!(
        view["recordings"].as_array().unwrap().len(),
        0,
        "unfinished uploads are not in the library"
    );
    let unfinished = &view["unfinished"][0];
    assert_eq!(unfinished["file_name"], "Board call.wav");
    assert_eq!(unfinished["parts_done"], 1);
    assert_eq!(unfinished["file_modified_ms"], 1_700_000_000_000_i64);
    let resumed = ada
        .post_json("/api/uploads/plan", &json!({ "workspace": "acme", "id": id }))
        .await
        .json();
    assert_eq!(resumed["done"], json!([{ "number": 1, "etag": etag1 }]));

    // Completing early names what is missing.
    let early = ada
        .post_json(
            "/api/uploads/complete",
            &json!({ "workspace": "acme", "id": id, "done": [] }),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(early.error().to_string(), "1 part of the file has not arrived yet.");

    // The last part must be exactly the rest of the file.
    let rest = file[part_size..].to_vec();
    let mut too_long = rest.clone();
    too_long.push(0);
    assert_eq!(
        ada.put_bytes(&urls[0], too_long).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let second = ada.put_bytes(&urls[0], rest).await;
    assert_eq!(second.status, StatusCode::OK);
    let etag2 = second.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let done = ada
        .post_json(
            "/api/uploads/complete",
            &json!({ "workspace": "acme", "id": id, "done": [{ "number": 2, "etag": etag2 }] }),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let view = library(&mut ada, false).await;
    assert_eq!(view["recordings"][0]["status"], "Checking");

    check_uploads(&site, &objects).await;
    let view = library(&mut ada, false).await;
    let recording = &view["recordings"][0];
    assert_eq!(recording["status"], "Ready", "{recording}");
    assert_eq!(recording["title"], "Board call");
    assert_eq!(recording["format"], "WAV");
    assert_eq!(recording["codec"], "PCM");
    assert_eq!(recording["duration_ms"], 60_000);
    assert_eq!(recording["sample_rate"], 48_000);
    assert_eq!(recording["channels"], 2);
    assert_eq!(recording["size_bytes"], file.len());
    let acme = acme_id(&site).await;
    let key = format!("w/{acme}/recordings/{id}/original");
    assert_eq!(objects.files(), [key.clone()], "the parts are joined and gone");
    assert_eq!(std::fs::read(objects.0.join(&key)).unwrap(), file, "byte for byte");
    assert_eq!(counters(&site, acme).await, (file.len() as i64, 1));
    let activity = site
        .count("select count(*) from audit_log where action in ('recording.upload_started', 'recording.uploaded', 'recording.checked')")
        .await;
    assert_eq!(activity, 3);
}

#[tokio::test]
async fn files_are_judged_by_their_content_and_refusals_say_why() {
    let objects = Objects::new();
    let site = site(&objects, &[("UPLOAD_MAX_MB", "1")]).await;
    let mut ada = owner_of_acme(&site).await;

    let big = ada
        .post_json(
            "/api/uploads/start",
            &json!({ "workspace": "acme", "file_name": "long.wav", "size_bytes": 2_000_000, "file_modified_ms": null }),
        )
        .await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        big.error().to_string(),
        "long.wav is 2.0 MB; the largest file this workspace can upload is 1.0 MB."
    );
    let pdf = b"%PDF-1.7\n% a document, named like audio\n".to_vec();
    upload(&mut ada, "interview.mp3", &pdf).await;
    let broken = {
        let mut w = wav(1, 8_000, 1);
        w.truncate(30);
        w
    };
    upload(&mut ada, "broken.wav", &broken).await;
    let good = upload(&mut ada, "tone.wav", &wav(3, 8_000, 1)).await;
    check_uploads(&site, &objects).await;

    let view = library(&mut ada, false).await;
    let by_title = |title: &str| {
        view["recordings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == title)
            .unwrap()
            .clone()
    };
    let refused = by_title("interview");
    assert_eq!(refused["status"], "Rejected");
    assert_eq!(
        refused["rejection"],
        "This file is not audio (it looks like a PDF document). Upload MP3, WAV, M4A, FLAC, OGG, OPUS or WebM audio."
    );
    let damaged = by_title("broken");
    assert_eq!(damaged["status"], "Rejected");
    assert!(
        damaged["rejection"].as_str().unwrap().contains("could not be read"),
        "{damaged}"
    );
    assert_eq!(by_title("tone")["duration_ms"], 3_000);
    assert_eq!(
        objects.files().len(),
        1,
        "refused files are deleted: {:?}",
        objects.files()
    );
    assert!(objects.files()[0].contains(&good));
}

#[tokio::test]
async fn signed_urls_refuse_tampering_expiry_and_other_people() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "member").await;

    let file = wav(2, 8_000, 1);
    let plan = start(&mut ada, "memo.wav", file.len()).await;
    let id = plan["recording_id"].as_str().unwrap().to_owned();
    let url = part_urls(&mut ada, &id, json!([]), &[1]).await.remove(0);
    for tampered in [
        url.replace("part=1", "part=2"),
        url.replace(&format!("max={}", file.len()), "max=999999999"),
        url.replace(&query_param(&url, "expires"), "9999999999"),
    ] {
        let reply = ada.put_bytes(&tampered, file.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{tampered}");
        assert_eq!(reply.body, "This link is not valid.");
    }
    // Someone else's upload is not theirs to continue, even in the same workspace.
    let theirs = bob
        .post_json(
            "/api/uploads/parts",
            &json!({ "workspace": "acme", "id": id, "done": [], "want": [1] }),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let asks_too_much = ada
        .post_json(
            "/api/uploads/parts",
            &json!({ "workspace": "acme", "id": id, "done": [], "want": (1..=17).collect::<Vec<u32>>() }),
        )
        .await;
    assert_eq!(asks_too_much.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Cancelling removes the upload and its parts; its URLs stop working.
    assert_eq!(ada.put_bytes(&url, file[..100].to_vec()).await.status, StatusCode::OK);
    let cancelled = ada
        .post_json("/api/uploads/cancel", &json!({ "workspace": "acme", "id": id }))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(ada.put_bytes(&url, file.clone()).await.status, StatusCode::NOT_FOUND);
    assert!(objects.files().is_empty(), "{:?}", objects.files());

    // Downloads: a member gets a short-lived signed link that plays in ranges; a changed link fails.
    let id = upload(&mut ada, "memo.wav", &file).await;
    check_uploads(&site, &objects).await;
    let detail = bob
        .post("/api/recordings/detail", &[("workspace", "acme"), ("id", &id)])
        .await
        .json();
    let play = detail["play_url"].as_str().unwrap().to_owned();
    let got = bob.get(&play).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "audio/wav");
    assert_eq!(got.body.len(), String::from_utf8_lossy(&file).len());
    let ranged = bob
        .send(
            axum::http::Request::get(&play)
                .header("range", "bytes=0-3")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(ranged.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.body, "RIFF");
    let download = detail["download_url"].as_str().unwrap();
    let saved = bob.get(download).await;
    assert!(saved.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename*=UTF-8''memo.wav"));
    let other_key = play.replace(&id, &uuid::Uuid::new_v4().to_string());
    assert_eq!(bob.get(&other_key).await.status, StatusCode::FORBIDDEN);
    let expires = query_param(&play, "expires");
    let expired = play.replace(&expires, &(expires.parse::<i64>().unwrap() - 3600).to_string());
    assert_eq!(
        bob.get(&expired).await.status,
        StatusCode::FORBIDDEN,
        "a changed expiry breaks the signature"
    );
}

#[tokio::test]
async fn the_trash_restores_then_empties_and_the_counters_follow() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let mut vic = site.verified_account("Vic", "vic@example.com").await;
    vic.log_in("vic@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "vic@example.com", "viewer").await;
    let file = wav(2, 8_000, 1);
    let id = upload(&mut ada, "memo.wav", &file).await;
    let other = upload(&mut ada, "notes.wav", &file).await;
    check_uploads(&site, &objects).await;
    let acme = acme_id(&site).await;
    assert_eq!(counters(&site, acme).await, (2 * file.len() as i64, 2));

    // Viewers read but do not rename or delete.
    let form = [("workspace", "acme"), ("id", id.as_str())];
    assert_eq!(
        vic.post("/api/recordings/trash", &form).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(
            "/api/recordings/rename",
            &[("workspace", "acme"), ("id", &id), ("title", "Mine")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let renamed = ada
        .post(
            "/api/recordings/rename",
            &[("workspace", "acme"), ("id", &id), ("title", "  ")],
        )
        .await;
    assert!(renamed.error().field("title").is_some());
    ada.post(
        "/api/recordings/rename",
        &[("workspace", "acme"), ("id", &id), ("title", "Weekly memo")],
    )
    .await;

    assert_eq!(
        ada.post("/api/recordings/delete", &form).await.status,
        StatusCode::CONFLICT,
        "deleting for good goes through the trash"
    );
    let trashed = ada.post("/api/recordings/trash", &form).await;
    assert_eq!(trashed.json(), "\u{201c}Weekly memo\u{201d} moved to the trash.");
    assert_eq!(
        library(&mut ada, false).await["recordings"].as_array().unwrap().len(),
        1
    );
    let bin = library(&mut ada, true).await;
    assert_eq!(bin["recordings"][0]["title"], "Weekly memo");
    assert!(bin["recordings"][0]["purge_after"].is_string());
    assert!(objects
        .files()
        .iter()
        .any(|f| f.starts_with(&format!("trash/w/{acme}/"))));
    let detail = ada.post("/api/recordings/detail", &form).await.json();
    assert_eq!(
        detail["play_url"],
        serde_json::Value::Null,
        "nothing plays from the trash"
    );

    assert_eq!(ada.post("/api/recordings/restore", &form).await.status, StatusCode::OK);
    assert_eq!(library(&mut ada, true).await["recordings"].as_array().unwrap().len(), 0);
    assert!(objects.files().iter().all(|f| f.starts_with("w/")));

    // From the trash, for good: by hand, or when the grace period passes.
    ada.post("/api/recordings/trash", &form).await;
    assert_eq!(ada.post("/api/recordings/delete", &form).await.status, StatusCode::OK);
    assert_eq!(counters(&site, acme).await, (file.len() as i64, 1));
    let other_form = [("workspace", "acme"), ("id", other.as_str())];
    ada.post("/api/recordings/trash", &other_form).await;
    let store = store(&site, &objects);
    assert_eq!(
        app::recordings::housekeeping::empty_trash(&site.db.app, &store)
            .await
            .unwrap(),
        0
    );
    in_workspace(
        &site,
        acme,
        "update recordings set purge_after = now() - interval '1 minute', deleted_at = now() - interval '15 days'",
    )
    .await;
    assert_eq!(
        app::recordings::housekeeping::empty_trash(&site.db.app, &store)
            .await
            .unwrap(),
        1
    );
    assert!(objects.files().is_empty(), "{:?}", objects.files());
    assert_eq!(counters(&site, acme).await, (0, 0));
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'recording.%' and action not like 'recording.upload%'
         and action <> 'recording.checked' order by id",
    )
    .fetch_all(&site.db.owner)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "recording.renamed",
            "recording.trashed",
            "recording.restored",
            "recording.trashed",
            "recording.deleted",
            "recording.trashed",
            "recording.purged"
        ]
    );
}

#[tokio::test]
async fn retention_trashes_old_recordings_and_reconciling_corrects_the_counters() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let file = wav(1, 8_000, 1);
    upload(&mut ada, "old.wav", &file).await;
    upload(&mut ada, "new.wav", &file).await;
    check_uploads(&site, &objects).await;
    let store = store(&site, &objects);
    let acme = acme_id(&site).await;
    assert_eq!(
        in_workspace(
            &site,
            acme,
            "update workspaces set retention_days = 30 where slug = 'acme'"
        )
        .await,
        1
    );
    assert_eq!(
        in_workspace(
            &site,
            acme,
            "update recordings set created_at = now() - interval '31 days' where title = 'old'"
        )
        .await,
        1
    );
    assert_eq!(
        app::recordings::housekeeping::apply_retention(&site.db.app, &store, 14)
            .await
            .unwrap(),
        1
    );
    let bin = library(&mut ada, true).await;
    assert_eq!(bin["recordings"][0]["title"], "old");
    assert_eq!(library(&mut ada, false).await["recordings"][0]["title"], "new");

    // Someone removed a file behind the app's back: the nightly count notices and corrects.
    let live = objects.files().into_iter().find(|f| f.starts_with("w/")).unwrap();
    std::fs::remove_file(objects.0.join(live)).unwrap();
    assert_eq!(
        app::recordings::housekeeping::reconcile_storage(&site.db.app, &store)
            .await
            .unwrap(),
        1
    );
    assert_eq!(counters(&site, acme).await, (file.len() as i64, 1));
    assert_eq!(
        app::recordings::housekeeping::reconcile_storage(&site.db.app, &store)
            .await
            .unwrap(),
        0,
        "nothing left to correct"
    );
}

#[tokio::test]
async fn the_storage_page_counts_by_type_and_day_for_those_who_manage_the_workspace() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let mut vic = site.verified_account("Vic", "vic@example.com").await;
    vic.log_in("vic@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "vic@example.com", "member").await;
    let first = wav(2, 8_000, 1);
    let second = wav(3, 8_000, 1);
    upload(&mut ada, "one.wav", &first).await;
    let trashed = upload(&mut ada, "two.wav", &second).await;
    check_uploads(&site, &objects).await;
    ada.post("/api/recordings/trash", &[("workspace", "acme"), ("id", &trashed)])
        .await;

    assert_eq!(
        vic.post("/api/storage/usage", &[("workspace", "acme")]).await.status,
        StatusCode::FORBIDDEN
    );
    let usage = ada.post("/api/storage/usage", &[("workspace", "acme")]).await.json();
    let total = (first.len() + second.len()) as i64;
    assert_eq!(usage["bytes"], total);
    assert_eq!(usage["objects"], 2);
    assert_eq!(usage["trash_bytes"], second.len());
    assert_eq!(
        usage["by_format"],
        json!([{ "format": "WAV", "bytes": total, "count": 2 }])
    );
    let daily = usage["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[29]["bytes"], total, "today ends with both files");
    assert_eq!(daily[0]["bytes"], 0);
    let page = ada.get("/w/acme/storage").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"format-chart\"") && page.body.contains("<polyline"));
}
