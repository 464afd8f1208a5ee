//! Workspace logos, the first public asset: judged by content, served to anyone (through the CDN
//! when one is configured), changed only by those who manage settings; and purging changed ones
//! from the CDN through a double of the DigitalOcean API, in batches within its rate limit.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

use crate::accounts::{Browser, Reply, Site, FIREFOX};
use crate::recordings::{site, Objects};
use crate::support::{eventually, fast_options, Workers};
use crate::workspaces::{add_member, owner_of_acme, user_id};

/// A tiny but well-formed start of a PNG (the server judges the first bytes).
pub(crate) fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len.max(8), 7);
    bytes
}

/// Posts the logo form as a browser does (multipart); returns the reply (a redirect).
pub(crate) async fn logo_form(browser: &mut Browser, slug: &str, action: &str, file: Option<&[u8]>) -> Reply {
    let boundary = "audiotricks-test-boundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\n{action}\r\n").into_bytes();
    if let Some(file) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    browser
        .send(
            axum::http::Request::post(format!("/w/{slug}/logo"))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .header("origin", "http://127.0.0.1:3000")
                .header("content-length", body.len())
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await
}

/// The settings page's query after the form's redirect, decoded.
pub(crate) fn outcome(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().unwrap();
    let query = location.split_once('?').unwrap().1;
    let (key, value) = query.split_once('=').unwrap();
    let decoded = url_decode(value);
    (key.to_owned(), decoded)
}

fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

async fn logo_url(browser: &mut Browser) -> serde_json::Value {
    let settings = browser
        .post("/api/workspaces/settings", &[("slug", "acme")])
        .await
        .json();
    settings["Found"]["logo_url"].clone()
}

#[tokio::test]
async fn a_logo_is_judged_by_its_content_served_to_anyone_and_changed_only_by_managers() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", crate::accounts::PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "viewer").await;
    assert_eq!(logo_url(&mut ada).await, serde_json::Value::Null);

    let refused = logo_form(&mut bob, "acme", "upload", Some(&png(100))).await;
    assert_eq!(
        outcome(&refused),
        ("logo_error".into(), "You don't have permission to do that.".into())
    );
    let text = logo_form(
        &mut ada,
        "acme",
        "upload",
        Some(b"<svg><script>alert(1)</script></svg>"),
    )
    .await;
    assert_eq!(
        outcome(&text),
        ("logo_error".into(), "Use a PNG, JPEG or WebP image.".into())
    );
    let big = logo_form(&mut ada, "acme", "upload", Some(&png(600 * 1024))).await;
    assert_eq!(
        outcome(&big),
        ("logo_error".into(), "The logo can be at most 512 kB.".into())
    );
    let huge = logo_form(&mut ada, "acme", "upload", Some(&png(3 * 1024 * 1024))).await;
    assert_eq!(
        outcome(&huge),
        ("logo_error".into(), "The logo can be at most 512 kB.".into())
    );
    let empty = logo_form(&mut ada, "acme", "upload", None).await;
    assert_eq!(outcome(&empty).0, "logo_error");
    assert_eq!(logo_url(&mut ada).await, serde_json::Value::Null, "nothing was kept");

    let logo = png(2048);
    let saved = logo_form(&mut ada, "acme", "upload", Some(&logo)).await;
    assert_eq!(outcome(&saved), ("logo".into(), "Logo saved.".into()));
    let url = logo_url(&mut bob).await.as_str().unwrap().to_owned();
    let workspace = crate::workspaces::as_tenant(
        &site,
        user_id(&site, "ada@example.com").await,
        None,
        "select id from workspaces where slug = $1",
        "acme",
    )
    .await;
    assert!(
        url.starts_with(&format!("/storage/public/w/{workspace}/logo?v=")),
        "{url}"
    );
    let mut visitor = site.browser(FIREFOX, "203.0.113.20");
    let served = visitor.get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers["content-type"], "image/png");
    assert_eq!(served.headers["cache-control"], "public, max-age=3600");
    assert_eq!(served.body.len(), String::from_utf8_lossy(&logo).len());
    // Nothing outside `public/` is served this way.
    let private = visitor
        .get(&format!("/storage/public/../w/{workspace}/recordings"))
        .await;
    assert_eq!(private.status, StatusCode::NOT_FOUND);

    let feed = ada
        .post("/api/workspaces/activity", &[("workspace", "acme")])
        .await
        .json();
    assert_eq!(feed["entries"][0]["text"], "changed the workspace's logo");

    let removed = logo_form(&mut ada, "acme", "remove", None).await;
    assert_eq!(outcome(&removed), ("logo".into(), "Logo removed.".into()));
    assert_eq!(logo_url(&mut ada).await, serde_json::Value::Null);
    assert_eq!(visitor.get(&url).await.status, StatusCode::NOT_FOUND);
    let again = logo_form(&mut ada, "acme", "remove", None).await;
    assert_eq!(
        outcome(&again),
        ("logo_error".into(), "This workspace has no logo.".into())
    );
    // Without a CDN purge configured nothing is queued for one.
    assert_eq!(site.count("select count(*) from cdn_purges").await, 0);
}

/// Answers in turn from `replies` (the last repeats) and notes when each request came.
struct Recorder {
    replies: Vec<ResponseTemplate>,
    seen: Arc<Mutex<Vec<(Instant, serde_json::Value)>>>,
}

impl Respond for Recorder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.push((Instant::now(), serde_json::from_slice(&request.body).unwrap()));
        self.replies[(seen.len() - 1).min(self.replies.len() - 1)].clone()
    }
}

const ENDPOINT: &str = "6f3a1c2e-9b7d-4e5f-8a1b-2c3d4e5f6a7b";

fn cdn_settings(api: &MockServer) -> [(&'static str, String); 4] {
    [
        ("CDN_BASE_URL", "https://logos.ams3.cdn.digitaloceanspaces.com".into()),
        ("CDN_ENDPOINT_ID", ENDPOINT.into()),
        ("DIGITALOCEAN_TOKEN", "do-test-token".into()),
        ("DIGITALOCEAN_API_URL", api.uri()),
    ]
}

async fn cdn_site(objects: &Objects, api: &MockServer) -> Site {
    let settings = cdn_settings(api);
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    site(objects, &settings).await
}

async fn mock_purges(
    api: &MockServer,
    replies: Vec<ResponseTemplate>,
) -> Arc<Mutex<Vec<(Instant, serde_json::Value)>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("DELETE"))
        .and(path(format!("/v2/cdn/endpoints/{ENDPOINT}/cache")))
        .and(header("authorization", "Bearer do-test-token"))
        .and(header("content-type", "application/json"))
        .respond_with(Recorder {
            replies,
            seen: seen.clone(),
        })
        .mount(api)
        .await;
    seen
}

/// Runs the purge job (with this interval) until nothing is left to purge or to run.
async fn run_purges(site: &Site, api: &MockServer, interval: Duration) {
    let settings = cdn_settings(api);
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = site.db.config(&settings);
    let mut purge = app::storage::cdn::PurgeCdn::new(config.storage.cdn.unwrap().purge.unwrap()).unwrap();
    purge.interval = interval;
    let workers = Workers::start(
        &site.db.app,
        app::server::jobs::Registry::new().register(purge),
        fast_options(),
    );
    eventually(Duration::from_secs(30), "the purges to finish", || async {
        let open = site
            .count("select count(*) from jobs where kind = 'cdn.purge' and state not in ('succeeded', 'dead')")
            .await;
        (open == 0).then_some(())
    })
    .await;
    workers.stop().await;
}

#[tokio::test]
async fn changed_logos_are_purged_from_the_cdn_in_batches_within_its_rate_limit() {
    let api = MockServer::start().await;
    let seen = mock_purges(
        &api,
        vec![
            ResponseTemplate::new(204),
            ResponseTemplate::new(429).insert_header("retry-after", "1"),
            ResponseTemplate::new(204),
        ],
    )
    .await;
    let objects = Objects::new();
    let site = cdn_site(&objects, &api).await;
    let mut ada = owner_of_acme(&site).await;

    // Through the CDN: the page links the CDN's copy. A first logo has nothing cached to purge.
    assert_eq!(
        outcome(&logo_form(&mut ada, "acme", "upload", Some(&png(300))).await).0,
        "logo"
    );
    let url = logo_url(&mut ada).await.as_str().unwrap().to_owned();
    let key = url
        .strip_prefix("https://logos.ams3.cdn.digitaloceanspaces.com/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert!(key.starts_with("public/w/") && key.ends_with("/logo"), "{url}");
    assert_eq!(site.count("select count(*) from cdn_purges").await, 0);
    let page = ada.get("/w/acme/settings").await;
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("img-src 'self' data: https://logos.ams3.cdn.digitaloceanspaces.com"),
        "{policy}"
    );

    // Replacing it queues its path; the job sends it to the API and clears the queue.
    assert_eq!(
        outcome(&logo_form(&mut ada, "acme", "upload", Some(&png(400))).await).0,
        "logo"
    );
    assert_eq!(site.count("select count(*) from cdn_purges").await, 1);
    run_purges(&site, &api, Duration::from_millis(300)).await;
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].1, serde_json::json!({ "files": [key] }));
    }
    assert_eq!(site.count("select count(*) from cdn_purges").await, 0);

    // 120 paths go 50 at a time, an interval apart; a 429 waits for its Retry-After.
    let paths: Vec<String> = (0..120)
        .map(|i| format!("public/w/{}/logo-{i:03}", uuid::Uuid::nil()))
        .collect();
    sqlx::query("insert into cdn_purges (path) select unnest($1::text[])")
        .bind(&paths)
        .execute(&site.db.owner)
        .await
        .unwrap();
    sqlx::query("update cdn_purge_state set last_purge_at = null")
        .execute(&site.db.owner)
        .await
        .unwrap();
    let mut tx = site.db.owner.begin().await.unwrap();
    app::server::jobs::enqueue(
        &mut tx,
        app::server::jobs::NewJob::of::<app::storage::cdn::PurgeCdn>(&app::storage::cdn::PurgePayload {}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    run_purges(&site, &api, Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap().clone();
    // Request 2 was refused with 429 and repeated after a second.
    let sizes: Vec<usize> = seen[1..]
        .iter()
        .map(|(_, body)| body["files"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 50, 20]);
    assert_eq!(seen[1].1, seen[2].1, "the refused batch is sent again");
    assert!(
        seen[2].0 - seen[1].0 >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    for pair in seen[2..].windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= Duration::from_millis(300),
            "batches keep the interval"
        );
    }
    assert_eq!(site.count("select count(*) from cdn_purges").await, 0);
}

#[tokio::test]
async fn a_refused_purge_fails_in_words_and_keeps_the_paths() {
    let api = MockServer::start().await;
    mock_purges(
        &api,
        vec![ResponseTemplate::new(401)
            .set_body_json(serde_json::json!({ "id": "unauthorized", "message": "Unable to authenticate you" }))],
    )
    .await;
    let objects = Objects::new();
    let site = cdn_site(&objects, &api).await;
    let mut ada = owner_of_acme(&site).await;
    logo_form(&mut ada, "acme", "upload", Some(&png(300))).await;
    assert_eq!(outcome(&logo_form(&mut ada, "acme", "remove", None).await).0, "logo");
    run_purges(&site, &api, Duration::from_millis(100)).await;
    let error: String = sqlx::query_scalar("select last_error from jobs where kind = 'cdn.purge' and state = 'dead'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    assert!(
        error.contains("refused the purge (401 Unauthorized)") && error.contains("Unable to authenticate you"),
        "{error}"
    );
    assert_eq!(
        site.count("select count(*) from cdn_purges").await,
        1,
        "kept for after the fix"
    );
}
