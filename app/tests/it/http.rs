//! The HTTP surface: health, readiness, metrics, security headers, pages and limits.

use axum::{
    body::{to_bytes, Body},
    http::{header, Request, StatusCode},
    Router,
};
use tower::ServiceExt;

use crate::support::TestDb;

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), 10 * 1024 * 1024).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// A server function call as a browser form posts it.
fn post_form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len().to_string())
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn healthz_is_json_and_carries_security_headers_and_a_request_id() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    let (status, headers, body) = send(&router, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(headers.contains_key("x-request-id"));
    assert!(
        !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "no HSTS over plain http"
    );
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[("PUBLIC_URL", "https://audio.example.com")]));
    let (_, headers, _) = send(&router, get("/healthz")).await;
    assert!(headers[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

#[tokio::test]
async fn readyz_reports_database_and_migrations() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    let (status, _, body) = send(&router, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["ready"], true);
    assert_eq!(json["database"]["ok"], true);
    assert!(
        json.get("workers").is_none(),
        "readiness says nothing about the machine: {json}"
    );
    assert_eq!(json["migrations"]["current"], true);
}

#[tokio::test]
async fn readyz_is_503_when_migrations_are_missing() {
    let db = TestDb::unmigrated().await;
    let router = app::server::http::router(db.state(&[]));
    let (status, _, body) = send(&router, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["ready"], false);
    assert_eq!(json["database"]["ok"], true);
    assert_eq!(json["migrations"]["current"], false);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_pool_and_queue() {
    let db = TestDb::new().await;
    sqlx::query("insert into jobs (id, queue, kind) values (gen_random_uuid(), 'default', 'example')")
        .execute(&db.owner)
        .await
        .unwrap();
    let router = app::server::http::router(db.state(&[]));
    send(&router, get("/healthz")).await;
    send(&router, get("/healthz")).await;
    send(&router, get("/no/such/page/42")).await;
    let (status, headers, body) = send(&router, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    assert!(
        body.contains(r#"audiotricks_http_requests_total{method="GET",route="/healthz",status="200"} 2"#),
        "{body}"
    );
    assert!(body.contains(
        r#"audiotricks_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 2"#
    ));
    assert!(
        body.contains(r#"route="unmatched",status="404""#),
        "raw paths never become labels: {body}"
    );
    assert!(!body.contains("/no/such/page"));
    assert!(body.contains(r#"audiotricks_db_pool_connections{state="idle"}"#));
    assert!(
        body.contains(r#"audiotricks_jobs{queue="default",state="queued"} 1"#),
        "{body}"
    );
}

#[tokio::test]
async fn landing_page_renders_with_a_nonce_csp() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    let (status, headers, body) = send(&router, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Turn recorded audio into transcripts your team can use"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce in the CSP");
    assert!(nonce.len() >= 16);
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );
    assert!(
        csp.contains("'wasm-unsafe-eval'")
            && !csp.contains("'unsafe-inline' ")
            && csp.contains("frame-ancestors 'none'")
    );
    let (_, headers2, _) = send(&router, get("/")).await;
    assert_ne!(
        headers2[header::CONTENT_SECURITY_POLICY],
        headers[header::CONTENT_SECURITY_POLICY],
        "a fresh nonce per response"
    );
}

/// The header and every script's nonce agree on each HTML response, whichever way it was
/// rendered (streamed, async, error page), and a page is never cached.
#[tokio::test]
async fn every_html_response_carries_the_nonce_policy_its_scripts_use() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    for path in [
        "/",
        "/login",
        "/definitely-not-here",
        "/s/AAAAAAAAAAAAAAAAAAAAAA",
        "/w/nowhere/recordings",
    ] {
        for _ in 0..3 {
            let (_, headers, body) = send(&router, get(path)).await;
            assert!(
                headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"),
                "{path}"
            );
            let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .and_then(|s| s.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"));
            let in_body: Vec<&str> = body
                .split("nonce=\"")
                .skip(1)
                .map(|s| s.split('"').next().unwrap())
                .collect();
            assert!(!in_body.is_empty(), "{path}: scripts with a nonce");
            assert!(in_body.iter().all(|n| *n == nonce), "{path}: {in_body:?} vs {nonce}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
        }
    }
}

#[tokio::test]
async fn unknown_pages_are_404_with_the_not_found_page() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    let (status, _, body) = send(&router, get("/definitely-not-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("find that page"));
}

#[tokio::test]
async fn status_server_function_returns_the_readiness_report() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    let request = post_form("/api/system/status", "");
    let (status, _, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["readiness"]["database"]["ok"], true);
    assert_eq!(json["readiness"]["migrations"]["current"], true);
    assert!(json["workers_alive"].is_number());
}

#[tokio::test]
async fn oversized_request_bodies_are_refused() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[("BODY_LIMIT_BYTES", "2048")]));
    let request = Request::post("/api/system/status")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, "10000")
        .body(Body::from(vec![b'a'; 10_000]))
        .unwrap();
    let (status, _, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[("METRICS_TOKEN", "a-long-scrape-token-123")]));
    let (status, headers, _) = send(&router, get("/metrics")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    let wrong = Request::get("/metrics")
        .header(header::AUTHORIZATION, "Bearer a-long-scrape-token-124")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, wrong).await.0, StatusCode::UNAUTHORIZED);
    let right = Request::get("/metrics")
        .header(header::AUTHORIZATION, "Bearer a-long-scrape-token-123")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&router, right).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("audiotricks_http_requests_total"));
}

async fn stored_email(db: &TestDb) -> uuid::Uuid {
    let email = app::email::templates::TestEmail {
        app_url: "http://127.0.0.1:3000".into(),
        backend: "outbox".into(),
        requested_by: "tests".into(),
    }
    .render()
    .unwrap();
    let mut conn = db.app.acquire().await.unwrap();
    app::email::service::queue(&mut conn, "ada@example.com", "test", &email)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_dev_mailbox_serves_html_parts_locally_under_a_no_script_policy() {
    let db = TestDb::new().await;
    let id = stored_email(&db).await;
    let router = app::server::http::router(db.state(&[]));
    let (status, headers, body) = send(&router, get(&format!("/dev/mailbox/{id}/html"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Email delivery works"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox") && !csp.contains("script-src"),
        "{csp}"
    );
    let list = post_form("/api/dev/mailbox/list", "page=0");
    let (status, _, body) = send(&router, list).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("ada@example.com"));
}

#[tokio::test]
async fn the_dev_mailbox_answers_only_to_this_machines_names() {
    let db = TestDb::new().await;
    let id = stored_email(&db).await;
    let router = app::server::http::router(db.state(&[]));
    let with_host = |path: String, host: &str| {
        Request::get(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, _) = send(&router, with_host(format!("/dev/mailbox/{id}/html"), "evil.test:3000")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a DNS-rebinding page gets nothing");
    let (status, _, body) = send(&router, with_host("/dev/mailbox".into(), "evil.test:3000")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("ada@example.com"));
    let (status, headers, _) = send(&router, with_host(format!("/dev/mailbox/{id}/html"), "localhost:3000")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .starts_with("sandbox;"));
}

#[tokio::test]
async fn the_dev_mailbox_does_not_exist_on_a_public_deployment() {
    let db = TestDb::new().await;
    let id = stored_email(&db).await;
    let router = app::server::http::router(db.state(&[("PUBLIC_URL", "https://audio.example.com")]));
    let (status, _, _) = send(&router, get(&format!("/dev/mailbox/{id}/html"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = post_form("/api/dev/mailbox/list", "page=0");
    let (status, _, body) = send(&router, list).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "server functions answer with the error's status"
    );
    assert!(!body.contains("ada@example.com"));
}

fn status_request(origin: Option<&str>, referer: Option<&str>) -> Request<Body> {
    let mut request =
        Request::post("/api/system/status").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        request = request.header(header::ORIGIN, o);
    }
    if let Some(r) = referer {
        request = request.header(header::REFERER, r);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_site_ones_pass() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[("PUBLIC_URL", "https://audio.example.com")]));
    let (status, _, body) = send(&router, status_request(Some("https://evil.example.net"), None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("came from https://evil.example.net"), "{body}");
    let (status, _, _) = send(&router, status_request(None, Some("https://evil.example.net/page"))).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a forged Referer without Origin is refused too"
    );
    let (status, _, _) = send(
        &router,
        status_request(Some("null"), Some("https://audio.example.com/status")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an opaque origin is not ours, whatever the Referer says"
    );
    let (status, _, body) = send(&router, status_request(Some("https://audio.example.com"), None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = send(&router, status_request(None, None)).await;
    assert_eq!(status, StatusCode::OK, "non-browser clients send neither header");
    let (status, _, _) = send(&router, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}

fn write_from(peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let mut request = post_form("/api/system/status", "");
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    if let Some(xff) = forwarded_for {
        request.headers_mut().insert("x-forwarded-for", xff.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn writes_are_rate_limited_per_client_address() {
    let db = TestDb::new().await;
    let router =
        app::server::http::router(db.state(&[("RATE_LIMIT_PER_MINUTE", "3"), ("TRUSTED_PROXIES", "10.0.0.0/8")]));
    // The limiter counts per wall-clock minute: start well inside one so all hits share it.
    while std::time::UNIX_EPOCH.elapsed().unwrap().as_secs() % 60 >= 55 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    for _ in 0..3 {
        assert_eq!(send(&router, write_from("203.0.113.5", None)).await.0, StatusCode::OK);
    }
    let (status, headers, body) = send(&router, write_from("203.0.113.5", None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let error: app::error::AppError = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error,
        app::error::AppError::RateLimited {
            retry_after_secs: retry
        }
    );
    assert!(error.to_string().starts_with("Too many attempts. Try again in"));

    assert_eq!(
        send(&router, write_from("203.0.113.6", None)).await.0,
        StatusCode::OK,
        "another address is not limited"
    );
    // A client cannot dodge the limit by claiming another address...
    let (status, _, _) = send(&router, write_from("203.0.113.5", Some("198.51.100.1"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ...but behind our proxy, the forwarded address is the client: the limited one stays limited,
    // and a new one behind the same proxy is not.
    let (status, _, _) = send(&router, write_from("10.0.0.2", Some("203.0.113.5"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = send(&router, write_from("10.0.0.2", Some("198.51.100.1"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        send(&router, get("/healthz")).await.0,
        StatusCode::OK,
        "reads are not counted"
    );
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let db = TestDb::new().await;
    let router = app::server::http::router(db.state(&[]));
    let request = Request::get("/")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let (_, plain, body) = send(&router, get("/")).await;
    assert!(!plain.contains_key(header::CONTENT_ENCODING) && body.contains("AudioTricks"));
}
